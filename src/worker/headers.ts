import type { JWTPayload } from 'jose'
import { grantedScopes } from '../checks/claims.js'
import { claimHeaderValue } from './claim-header-value.js'
import type { ClaimHeader } from './config/schema.js'
import { foldHeaderName, HOP_BY_HOP_HEADERS } from './header-names.js'

/**
 * A copy of `source` without hop-by-hop fields: the fixed set, every `proxy-*`, and every field
 * the `Connection` header names (RFC 9110 §7.6.1), which only meant something on the hop that
 * sent them.
 */
export function withoutHopByHop(source: Headers): Headers {
  const named = new Set(
    (source.get('connection') ?? '')
      .split(',')
      .map((name) => name.trim().toLowerCase())
      .filter((name) => name !== ''),
  )
  const headers = new Headers()
  source.forEach((value, name) => {
    if (HOP_BY_HOP_HEADERS.has(name) || name.startsWith('proxy-') || named.has(name)) return
    headers.append(name, value)
  })
  return headers
}

/**
 * Removes every header an identity claim may be forwarded in, whatever the client sent and in
 * whichever spelling: `folded` holds `foldHeaderName` forms, so `X_Auth_Subject` goes with
 * `X-Auth-Subject` (docs/SECURITY.md, row 44). Dropped rather than refused: the request is
 * still served, only without what the client cannot be trusted to say.
 */
export function stripClaimHeaders(headers: Headers, folded: ReadonlySet<string>): void {
  const spoofed: string[] = []
  headers.forEach((_, name) => {
    if (folded.has(foldHeaderName(name))) spoofed.push(name)
  })
  for (const name of spoofed) headers.delete(name)
}

/**
 * Sets the identity headers from verified claims; a claim the token lacks sets nothing. The
 * `scope` claim stands for every scope granted, whether the issuer sent `scope` or `scp`, as a
 * string or an array (Entra, Okta and Ory send `scp`), so the upstream reads one spelling.
 */
export function setClaimHeaders(
  headers: Headers,
  claimHeaders: readonly ClaimHeader[],
  payload: JWTPayload,
): void {
  for (const { claim, header } of claimHeaders) {
    const value = claim === 'scope' ? scopeHeaderValue(payload) : claimHeaderValue(payload[claim])
    if (value !== undefined) headers.set(header, value)
  }
}

function scopeHeaderValue(payload: JWTPayload): string | undefined {
  const scopes = grantedScopes(payload)
  return scopes.size === 0 ? undefined : claimHeaderValue([...scopes])
}
