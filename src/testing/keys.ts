import { calculateJwkThumbprint, exportJWK, generateKeyPair, type JWK } from 'jose'
import { ASYMMETRIC_ALGORITHMS } from '../jwk/algorithms.js'
import type { TestAlgorithm } from './types.js'

/** A key pair of the test issuer, with both JWK forms precomputed (they never change). */
export interface SigningKey {
  readonly kid: string
  readonly alg: TestAlgorithm
  readonly privateKey: CryptoKey
  /** Public members plus `kid`, `use: 'sig'` and `alg`: one entry of the served JWKS. */
  readonly publicJwk: JWK
  /** The public JWK plus the private members. */
  readonly privateJwk: JWK
}

const SUPPORTED = new Set<string>(ASYMMETRIC_ALGORITHMS)

/** Throws unless `alg` is one the issuer can make keys for; callers may be untyped JavaScript. */
export function assertTestAlgorithm(alg: unknown): asserts alg is TestAlgorithm {
  if (typeof alg !== 'string' || !SUPPORTED.has(alg))
    throw new TypeError(`unsupported algorithm for a test issuer key: ${String(alg)}`)
}

/**
 * Generates a fresh key pair for `alg`. The kid is the RFC 7638 SHA-256 thumbprint, so it is
 * stable for the key and unique in practice.
 */
export async function generateSigningKey(alg: TestAlgorithm): Promise<SigningKey> {
  // EdDSA means Ed25519 here (RFC 8037); RSA gets jose's 2048-bit default.
  const pair = await generateKeyPair(
    alg,
    alg === 'EdDSA' ? { crv: 'Ed25519', extractable: true } : { extractable: true },
  )
  const publicMembers = await exportJWK(pair.publicKey)
  const kid = await calculateJwkThumbprint(publicMembers, 'sha256')
  const publicJwk: JWK = { ...publicMembers, kid, use: 'sig', alg }
  const privateJwk: JWK = { ...(await exportJWK(pair.privateKey)), kid, use: 'sig', alg }
  return { kid, alg, privateKey: pair.privateKey, publicJwk, privateJwk }
}
