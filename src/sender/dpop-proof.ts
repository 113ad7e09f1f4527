import {
  base64url,
  calculateJwkThumbprint,
  compactVerify,
  decodeProtectedHeader,
  EmbeddedJWK,
  type JWK,
} from 'jose'
import { assertCompactJws } from '../checks/token-shape.js'
import { JwtAuthError } from '../errors.js'
import { PRIVATE_MEMBERS } from '../jwk/public-jwk.js'
import { normalizeHtu } from './htu.js'

/** The proof's `typ` (RFC 9449 §4.2). */
const DPOP_PROOF_TYPE = 'dpop+jwt'
/** Longest `jti` kept in a replay store; RFC 9449 §4.2 asks for 96 bits of randomness, far less. */
const MAX_JTI_LENGTH = 256

/** What a proof must match: the request as received, and the token it accompanies. */
export interface DpopProofExpectation {
  /** The request method, compared exactly with `htm`. */
  method: string
  /** The normalised URI the request was received at (see `receivedHtu`). */
  htu: string
  /** The access token sent with it, whose SHA-256 `ath` must carry. */
  accessToken: string
  /** Asymmetric `alg` values accepted for the proof. */
  algorithms: ReadonlySet<string>
  /** The current time, epoch milliseconds. */
  nowMs: number
  /** How far `iat` may lie from now, either way, in seconds. */
  iatWindowSeconds: number
}

/** What a valid proof tells: who signed it (the key's thumbprint) and how to recognise it again. */
export interface DpopProofFacts {
  /** RFC 7638 SHA-256 thumbprint of the proof key, to compare with the token's `cnf.jkt`. */
  jkt: string
  jti: string
  /** `iat`, epoch seconds. */
  iat: number
  /** The server nonce the proof carries, if any; checked by the caller when nonces are on. */
  nonce: unknown
}

function invalid(): never {
  throw new JwtAuthError('ERR_DPOP_PROOF_INVALID', { scheme: 'DPoP' })
}

const encoder = new TextEncoder()

/** `ath` (RFC 9449 §4.2): base64url of the SHA-256 of the access token's ASCII bytes. */
export async function accessTokenHash(token: string): Promise<string> {
  return base64url.encode(new Uint8Array(await crypto.subtle.digest('SHA-256', encoder.encode(token))))
}

/**
 * Checks one DPoP proof JWT against the request it came with, per RFC 9449 §4.3 checks 2-12
 * (check 1, a single `DPoP` header, is the caller's: only it sees the header fields). Pure
 * apart from WebCrypto; the replay store and nonces are the caller's too, so that nothing is
 * remembered for a proof that failed here. Throws `JwtAuthError` `ERR_DPOP_PROOF_INVALID`.
 *
 * @example
 * const { jkt, jti } = await verifyDpopProof(proof, {
 *   method: 'GET', htu: 'https://api.example.com/me', accessToken,
 *   algorithms: new Set(['ES256']), nowMs: Date.now(), iatWindowSeconds: 60,
 * })
 */
export async function verifyDpopProof(proof: string, expect: DpopProofExpectation): Promise<DpopProofFacts> {
  try {
    assertCompactJws(proof)
  } catch {
    invalid()
  }
  let header: ReturnType<typeof decodeProtectedHeader>
  try {
    header = decodeProtectedHeader(proof)
  } catch {
    invalid()
  }
  if (header.typ !== DPOP_PROOF_TYPE) invalid()
  if (typeof header.alg !== 'string' || !expect.algorithms.has(header.alg)) invalid()
  if (header.crit !== undefined) invalid()
  const jwk = header.jwk
  if (typeof jwk !== 'object' || jwk === null || Array.isArray(jwk)) invalid()
  if (PRIVATE_MEMBERS.some((member) => Object.hasOwn(jwk, member))) invalid()

  let payload: Record<string, unknown>
  try {
    const verified = await compactVerify(proof, EmbeddedJWK, { algorithms: [header.alg] })
    const parsed: unknown = JSON.parse(new TextDecoder().decode(verified.payload))
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) invalid()
    payload = parsed as Record<string, unknown>
  } catch {
    invalid()
  }

  const { jti, htm, htu, iat, ath } = payload
  if (typeof jti !== 'string' || jti === '' || jti.length > MAX_JTI_LENGTH) invalid()
  if (htm !== expect.method) invalid()
  if (typeof htu !== 'string' || normalizeHtu(htu) !== expect.htu) invalid()
  if (typeof iat !== 'number' || !Number.isFinite(iat)) invalid()
  if (Math.abs(expect.nowMs / 1000 - iat) > expect.iatWindowSeconds) invalid()
  if (typeof ath !== 'string' || ath !== (await accessTokenHash(expect.accessToken))) invalid()

  let jkt: string
  try {
    jkt = await calculateJwkThumbprint(jwk as JWK, 'sha256')
  } catch {
    invalid()
  }
  return { jkt, jti, iat, nonce: payload.nonce }
}
