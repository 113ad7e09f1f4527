import type { JWTClaimVerificationOptions, JWTPayload } from 'jose'
import { JwtAuthError } from '../errors.js'

/** The claim rules of one issuer, resolved once at construction. */
export interface ClaimPolicy {
  issuer: string
  audience: readonly string[] | undefined
  clockToleranceSeconds: number
  typ: string | undefined
  requiredClaims: readonly string[]
  maxTokenAgeSeconds: number | undefined
}

/** jose's claim options for one verification at `nowMs`. */
export function joseClaimOptions(policy: ClaimPolicy, nowMs: number): JWTClaimVerificationOptions {
  const options: JWTClaimVerificationOptions = {
    issuer: policy.issuer,
    clockTolerance: policy.clockToleranceSeconds,
    currentDate: new Date(nowMs),
    requiredClaims: [...policy.requiredClaims],
  }
  if (policy.audience !== undefined) options.audience = [...policy.audience]
  if (policy.typ !== undefined) options.typ = policy.typ
  if (policy.maxTokenAgeSeconds !== undefined) options.maxTokenAge = policy.maxTokenAgeSeconds
  return options
}

/**
 * The claim rules that depend on the time of verification: `exp`, `nbf`, `iat` (which may not
 * lie in the future beyond the tolerance) and `maxTokenAgeSeconds` (as jose applies it: `iat`
 * required, `now - iat - tolerance` at most the limit). Date claims must be finite (`1e309` parses
 * to Infinity and would never expire). jose checks the same on a first verification; this runs on
 * every verified-token cache hit too, so a cached token is refused exactly when a fresh
 * verification would be.
 */
export function checkTimeClaims(
  payload: JWTPayload,
  nowMs: number,
  policy: Pick<ClaimPolicy, 'clockToleranceSeconds' | 'maxTokenAgeSeconds'>,
): void {
  const now = Math.floor(nowMs / 1000)
  const tolerance = policy.clockToleranceSeconds
  const { exp, nbf, iat } = payload
  for (const value of [exp, nbf, iat]) {
    if (value !== undefined && (typeof value !== 'number' || !Number.isFinite(value))) {
      throw new JwtAuthError('ERR_CLAIM_INVALID')
    }
  }
  if (exp !== undefined && exp <= now - tolerance) throw new JwtAuthError('ERR_TOKEN_EXPIRED')
  if (nbf !== undefined && nbf > now + tolerance) throw new JwtAuthError('ERR_TOKEN_NOT_YET_VALID')
  if (iat !== undefined && iat > now + tolerance) throw new JwtAuthError('ERR_TOKEN_NOT_YET_VALID')
  const maxAge = policy.maxTokenAgeSeconds
  if (maxAge !== undefined && (iat === undefined || now - iat - tolerance > maxAge)) {
    throw new JwtAuthError('ERR_CLAIM_INVALID')
  }
}

/**
 * Scopes granted by a token: `scope` (RFC 8693 §4.2, RFC 9068 §2.2.3) and `scp`, each read as a
 * space-delimited string or an array of strings, because issuers differ (Entra sends `scp` as a
 * string, Okta and Ory as an array, Auth0 and Cognito `scope` as a string). The one place that
 * reads scopes: the verifier, `requireScopes()` and the gateway's `X-Auth-Scope` all use it.
 */
export function grantedScopes(payload: JWTPayload): Set<string> {
  const granted = new Set<string>()
  for (const claim of [payload.scope, payload.scp]) {
    const items = typeof claim === 'string' ? claim.split(/[ \t]+/) : Array.isArray(claim) ? claim : []
    for (const item of items) if (typeof item === 'string' && item !== '') granted.add(item)
  }
  return granted
}

export function assertScopes(payload: JWTPayload, required: readonly string[] | undefined): void {
  if (required === undefined || required.length === 0) return
  const granted = grantedScopes(payload)
  if (required.every((scope) => granted.has(scope))) return
  throw new JwtAuthError('ERR_INSUFFICIENT_SCOPE', { requiredScopes: required })
}

/**
 * Claims checks that run before a kid-miss refetch, on the unverified payload: a token that
 * would be rejected anyway must not make us call the issuer (catalogue row 62).
 */
export function wouldPassClaims(payload: JWTPayload, policy: ClaimPolicy, nowMs: number): boolean {
  try {
    checkTimeClaims(payload, nowMs, policy)
  } catch {
    return false
  }
  if (payload.iss !== policy.issuer) return false
  if (payload.exp === undefined && policy.requiredClaims.includes('exp')) return false
  if (policy.audience === undefined) return true
  const aud = payload.aud
  const audiences = typeof aud === 'string' ? [aud] : Array.isArray(aud) ? aud : []
  return audiences.some((a) => policy.audience?.includes(a))
}
