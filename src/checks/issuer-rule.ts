import type { JWTPayload } from 'jose'

/** The placeholder of a multi-tenant issuer, as Entra's common discovery document spells it. */
export const TENANT_PLACEHOLDER = '{tenantid}'

/** A tenant id as it may appear in a URL path segment: no `/`, `.`-only or percent games. */
const TENANT_ID = /^[0-9A-Za-z][0-9A-Za-z_-]{0,63}$/

/** Which `iss` values one configured issuer accepts. */
export interface IssuerRule {
  /** Accepted as exact strings: the configured issuer (unless a template) and its aliases. */
  exact: readonly string[]
  /** A `{tenantid}` template: `iss` must equal it with the token's own `tid` put in. */
  template: string | undefined
  /** Allow-list of `tid` values for the template; undefined: any tenant. */
  tenants: readonly string[] | undefined
}

/** The issuer a template names for the token's `tid`, or undefined when `tid` is no tenant id. */
function forTenant(template: string, payload: JWTPayload): string | undefined {
  const { tid } = payload
  if (typeof tid !== 'string' || !TENANT_ID.test(tid)) return undefined
  return template.replace(TENANT_PLACEHOLDER, tid)
}

/**
 * Whether a token's `iss` is one this issuer speaks for. A template matches only the issuer of
 * the token's own tenant (`tid`), so a tenant cannot present a token as another's; the
 * allow-list narrows the tenants further.
 */
export function issuerMatches(rule: IssuerRule, payload: JWTPayload): boolean {
  const { iss } = payload
  if (typeof iss !== 'string') return false
  if (rule.exact.includes(iss)) return true
  if (rule.template === undefined) return false
  if (rule.tenants !== undefined && !rule.tenants.includes(payload.tid as string)) return false
  return forTenant(rule.template, payload) === iss
}

/**
 * A key that names the issuer it signs for (Entra's `issuer` JWK member, a template for the
 * common keys) verifies only tokens of that issuer.
 */
export function keyServesIssuer(keyIssuer: string | undefined, payload: JWTPayload): boolean {
  if (keyIssuer === undefined) return true
  const iss = payload.iss
  if (keyIssuer === iss) return true
  return keyIssuer.includes(TENANT_PLACEHOLDER) && forTenant(keyIssuer, payload) === iss
}
