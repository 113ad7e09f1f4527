import { decodeJwt, decodeProtectedHeader, type JWSHeaderParameters, type JWTPayload } from 'jose'
import { JwtAuthError } from '../errors.js'

/** SPEC §3: larger tokens are refused before any decoding (bounded CPU and memory). */
export const MAX_TOKEN_LENGTH = 16 * 1024
/** A kid is an opaque name; anything longer is noise an attacker wants us to log or store. */
export const MAX_KID_LENGTH = 256

/**
 * Compact JWS and nothing else: JWE (5 segments), JSON serialisation, padding, `+`/`/`, and
 * whitespace (which jose's decoder would strip) all fail here.
 */
const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/

/** Header members we refuse in an access token: we understand no `crit` extension, and
 * `b64`/`zip` change how the payload is read. */
const REFUSED_HEADER_MEMBERS = ['crit', 'b64', 'zip'] as const

export interface TokenHeader {
  header: JWSHeaderParameters
  alg: string
  kid: string | undefined
}

export function assertCompactJws(token: unknown): asserts token is string {
  if (typeof token !== 'string' || token.length > MAX_TOKEN_LENGTH || !COMPACT_JWS.test(token)) {
    throw new JwtAuthError('ERR_TOKEN_MALFORMED')
  }
}

/** Reads the protected header (unverified) and applies the header rules of SPEC §3. */
export function readTokenHeader(token: string): TokenHeader {
  let header: JWSHeaderParameters
  try {
    header = decodeProtectedHeader(token) as JWSHeaderParameters
  } catch {
    throw new JwtAuthError('ERR_TOKEN_MALFORMED')
  }
  for (const member of REFUSED_HEADER_MEMBERS) {
    if (Object.hasOwn(header, member)) throw new JwtAuthError('ERR_HEADER_INVALID')
  }
  const { alg, kid } = header
  if (typeof alg !== 'string' || alg === '') throw new JwtAuthError('ERR_HEADER_INVALID')
  if (kid !== undefined && (typeof kid !== 'string' || kid.length > MAX_KID_LENGTH)) {
    throw new JwtAuthError('ERR_HEADER_INVALID')
  }
  return { header, alg, kid }
}

/**
 * The payload before its signature is checked. Used only to choose among configured issuers
 * and to refuse a fetch for a token that would fail anyway; never to accept anything.
 */
export function readUnverifiedPayload(token: string): JWTPayload {
  try {
    return decodeJwt(token)
  } catch {
    throw new JwtAuthError('ERR_TOKEN_MALFORMED')
  }
}
