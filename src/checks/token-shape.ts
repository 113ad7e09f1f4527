import { decodeJwt, decodeProtectedHeader, type JWSHeaderParameters, type JWTPayload } from 'jose'
import { JwtAuthError } from '../errors.js'

/** docs/verifier.md#verification-policy: larger tokens are refused before any decoding (bounded CPU and memory). */
export const MAX_TOKEN_LENGTH = 16 * 1024
/** A kid is an opaque name; anything longer is noise an attacker wants us to log or store. */
const MAX_KID_LENGTH = 256

/**
 * Compact JWS and nothing else: JWE (5 segments), JSON serialisation, padding, `+`/`/`, and
 * whitespace (which jose's decoder would strip) all fail here.
 */
const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/
/**
 * AWS ALB's spelling: each segment may end in the `=` padding of RFC 4648 §4, which the signature
 * covers. Accepted only when an ALB issuer is configured, and only for its tokens
 * (docs/SECURITY.md row A2).
 */
const PADDED_COMPACT_JWS = /^[A-Za-z0-9_-]+={0,2}\.[A-Za-z0-9_-]+={0,2}\.[A-Za-z0-9_-]+={0,2}$/

/** Header members we refuse in an access token: we understand no `crit` extension, and
 * `b64`/`zip` change how the payload is read. */
const REFUSED_HEADER_MEMBERS = ['crit', 'b64', 'zip'] as const

export interface TokenHeader {
  header: JWSHeaderParameters
  alg: string
  kid: string | undefined
}

/** `padding: 'alb'` also takes AWS ALB's `=`-padded segments; the caller keeps them to ALB issuers. */
export function assertCompactJws(token: unknown, padding: 'none' | 'alb' = 'none'): asserts token is string {
  assertTokenSize(token)
  if (!(padding === 'alb' ? PADDED_COMPACT_JWS : COMPACT_JWS).test(token))
    throw new JwtAuthError('ERR_TOKEN_MALFORMED')
  if (!token.split('.').every(isCanonicalSegment)) throw new JwtAuthError('ERR_TOKEN_MALFORMED')
}

/** Whether a token that passed {@link assertCompactJws} is spelled with ALB's padding. */
export function isPadded(token: string): boolean {
  return token.includes('=')
}

/**
 * The bound part of {@link assertCompactJws}: a string of at most {@link MAX_TOKEN_LENGTH}. Enough
 * before hashing a token to look it up in the verified-token cache: a hit is byte for byte a
 * token that passed the whole check before.
 */
export function assertTokenSize(token: unknown): asserts token is string {
  if (typeof token !== 'string' || token.length > MAX_TOKEN_LENGTH)
    throw new JwtAuthError('ERR_TOKEN_MALFORMED')
}

const BASE64URL_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'

/**
 * RFC 4648 §3.5: the unused bits of the last character must be zero. jose's decoder ignores
 * them, so without this check every token has up to 16 spellings that all verify, and a
 * system that recognises a token by its text (a revocation list, a replay cache) is fooled.
 */
function isCanonicalSegment(segment: string): boolean {
  const bare = segment.replace(/=+$/, '')
  const padding = segment.length - bare.length
  // Padding, when there is any, is exactly what fills the last group of four (RFC 4648 §4).
  if (padding > 0 && (bare.length + padding) % 4 !== 0) return false
  return isCanonicalBase64url(bare)
}

function isCanonicalBase64url(segment: string): boolean {
  const rest = segment.length % 4
  if (rest === 0) return true
  if (rest === 1) return false
  const value = BASE64URL_ALPHABET.indexOf(segment.charAt(segment.length - 1))
  return (value & (rest === 2 ? 0x0f : 0x03)) === 0
}

/** Reads the protected header (unverified) and applies the header rules of docs/verifier.md#verification-policy. */
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
