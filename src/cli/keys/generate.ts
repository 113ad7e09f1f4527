import { exportJWK, generateKeyPair, generateSecret, type JWK } from 'jose'
import { type Algorithm, isHmacAlgorithm } from '../../jwk/algorithms.js'
import { inputError } from '../errors.js'
import type { JwkObject } from '../jwk-input.js'
import { chooseKid } from './kid.js'

/** What a key is for (RFC 7517 §4.2). */
type KeyUse = 'sig' | 'enc'

/** RSA modulus sizes offered: 2048 is the floor our verifier accepts (docs/verifier.md#verification-policy), 4096 a common ceiling. */
export const RSA_BITS = [2048, 3072, 4096] as const
export type RsaBits = (typeof RSA_BITS)[number]
const DEFAULT_RSA_BITS: RsaBits = 2048

export interface GenerateKeyOptions {
  alg: Algorithm
  /** Default `sig`. */
  use?: KeyUse
  /** RSA only. Default 2048. */
  bits?: RsaBits
  /** A literal kid, or `thumbprint` (the default for asymmetric keys); see `chooseKid`. */
  kid?: string
}

/** A new key: the private (or secret) JWK, and the public half when the key has one. */
export interface GeneratedKey {
  privateJwk: JwkObject
  /** Absent for HMAC keys: a secret has no half that may be published. */
  publicJwk: JwkObject | undefined
}

/**
 * Generates one key for `alg`, carrying `kid`, `use` and `alg`.
 *
 * `use: 'enc'` is accepted for RSA and EC only and the key then carries no `alg`: `--alg` only
 * picks the key type (an encryption algorithm such as RSA-OAEP or ECDH-ES is chosen by whoever
 * encrypts), and writing a signature alg on an encryption key would contradict its `use`.
 */
export async function generateKey(options: GenerateKeyOptions): Promise<GeneratedKey> {
  const { alg, use = 'sig' } = options
  if (options.bits !== undefined && !alg.startsWith('RS') && !alg.startsWith('PS'))
    throw inputError(`--bits applies to RSA algorithms only, not ${alg}`)
  if (use === 'enc' && (isHmacAlgorithm(alg) || alg === 'EdDSA'))
    throw inputError(`--use enc needs an RSA or EC algorithm; ${alg} keys can only sign`)
  const labels = (material: JWK, kid: string): JwkObject =>
    ({ kty: material.kty, kid, use, ...(use === 'sig' ? { alg } : {}), ...material }) as JwkObject

  if (isHmacAlgorithm(alg)) {
    // jose sizes the secret to the hash output, the minimum RFC 7518 §3.2 allows.
    const secret = await exportJWK(await generateSecret(alg, { extractable: true }))
    return { privateJwk: labels(secret, await chooseKid(options.kid, secret)), publicJwk: undefined }
  }
  const pair = await generateKeyPair(alg, {
    extractable: true,
    ...(alg.startsWith('RS') || alg.startsWith('PS')
      ? { modulusLength: options.bits ?? DEFAULT_RSA_BITS }
      : {}),
  })
  const publicMaterial = await exportJWK(pair.publicKey)
  const kid = await chooseKid(options.kid, publicMaterial)
  return {
    privateJwk: labels(await exportJWK(pair.privateKey), kid),
    publicJwk: labels(publicMaterial, kid),
  }
}
