import type { JWTClaimVerificationOptions, JWTPayload } from 'jose'
import { JwtAuthError } from '../errors.js'
import { type IssuerRule, issuerMatches } from './issuer-rule.js'

/** The claim rules of one issuer, resolved once at construction. */
export interface ClaimPolicy {
  /** The configured issuer (for a template, the template itself). */
  issuer: string
  /** The `iss` values it accepts: itself, aliases, or its tenants' issuers. */
  issuerRule: IssuerRule
  audience: readonly string[] | undefined
  /** Clients whose tokens without `aud` are accepted, matched on `client_id` then `azp`. */
  clientIds: readonly string[] | undefined
  /** Required `token_use` claim (Cognito: `access`). */
  tokenUse: string | undefined
  clockToleranceSeconds: number
  typ: string | undefined
  requiredClaims: readonly string[]
  maxTokenAgeSeconds: number | undefined
}

/**
 * jose's claim options for one verification at `nowMs`. The audience is ours to check
 * ({@link assertAudience}): jose cannot accept a token without `aud` on its client id; so is
 * the issuer ({@link assertIssuer}): a template or an alias is more than one exact string.
 */
export function joseClaimOptions(policy: ClaimPolicy, nowMs: number): JWTClaimVerificationOptions {
  const options: JWTClaimVerificationOptions = {
    clockTolerance: policy.clockToleranceSeconds,
    currentDate: new Date(nowMs),
    requiredClaims: [...policy.requiredClaims],
  }
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
 * Who the token is for (RFC 7519 §4.1.3). A token with an `aud` must name a configured audience.
 * A token without one (absent, or `[]` as Ory sends it) is accepted only for a configured client:
 * `client_id` (RFC 9068 §2.2, Cognito access tokens), else `azp`. With `clientIds` set and no
 * audience, a token that names an audience is meant for some other API and is refused.
 */
export function assertAudience(
  payload: JWTPayload,
  policy: Partial<Pick<ClaimPolicy, 'audience' | 'clientIds'>>,
): void {
  const { aud } = payload
  const { audience, clientIds } = policy
  if (aud === undefined || (Array.isArray(aud) && aud.length === 0)) {
    if (clientIds !== undefined) {
      const client = typeof payload.client_id === 'string' ? payload.client_id : payload.azp
      if (typeof client === 'string' && clientIds.includes(client)) return
      throw new JwtAuthError('ERR_AUDIENCE_MISMATCH')
    }
    if (audience === undefined) return
    throw new JwtAuthError(aud === undefined ? 'ERR_CLAIM_INVALID' : 'ERR_AUDIENCE_MISMATCH')
  }
  if (audience === undefined && clientIds === undefined) return
  const named = typeof aud === 'string' ? [aud] : Array.isArray(aud) ? aud : []
  if (!named.some((value) => audience?.includes(value))) throw new JwtAuthError('ERR_AUDIENCE_MISMATCH')
}

/**
 * `iss` must be one the configured issuer speaks for (RFC 7519 §4.1.1, exact strings); a token
 * without one lacks a required claim.
 */
export function assertIssuer(payload: JWTPayload, policy: ClaimPolicy): void {
  if (payload.iss === undefined) throw new JwtAuthError('ERR_CLAIM_INVALID')
  if (!issuerMatches(policy.issuerRule, payload)) throw new JwtAuthError('ERR_ISSUER_UNKNOWN')
}

/** Cognito's `token_use` (`access` or `id`): an ID token is not an access token. */
export function assertTokenUse(payload: JWTPayload, policy: ClaimPolicy): void {
  if (policy.tokenUse !== undefined && payload.token_use !== policy.tokenUse) {
    throw new JwtAuthError('ERR_CLAIM_INVALID')
  }
}

/**
 * The claim checks that run before any key fetch, on the unverified payload: a token that would
 * be rejected anyway must not make us call the issuer (docs/verifier.md#verification-policy), and its rejection names the
 * claim that failed (an issuer configured without its trailing slash is an `iss` problem, not a
 * key problem). Unverified claims may only refuse, never accept. `callAudience` is the one
 * request's own audience (`VerifyCallOptions.audience`), held to the same rule.
 */
export function assertCouldPass(
  payload: JWTPayload,
  policy: ClaimPolicy,
  nowMs: number,
  callAudience?: Partial<Pick<ClaimPolicy, 'audience' | 'clientIds'>>,
): void {
  checkTimeClaims(payload, nowMs, policy)
  assertIssuer(payload, policy)
  if (payload.exp === undefined && policy.requiredClaims.includes('exp')) {
    throw new JwtAuthError('ERR_CLAIM_INVALID')
  }
  assertAudience(payload, policy)
  if (callAudience !== undefined) assertAudience(payload, callAudience)
  assertTokenUse(payload, policy)
}
