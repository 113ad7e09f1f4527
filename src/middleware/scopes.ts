import type { JWTPayload } from 'jose'
import { assertScopes } from '../checks/claims.js'
import { JwtAuthError } from '../errors.js'
import { VerifierConfigError } from '../verifier/config.js'

/** RFC 6749 §3.3 scope-token: printable ASCII without space, `"` and `\`. */
export const SCOPE_TOKEN = /^[\x21\x23-\x5b\x5d-\x7e]+$/

/**
 * Checks the arguments of `requireScopes(...)` once, when the route is declared: a typo such
 * as `'read write'` (one argument with a space) would otherwise never match any token.
 */
export function checkScopeList(scopes: readonly unknown[]): readonly string[] {
  if (scopes.length === 0) throw new VerifierConfigError('requireScopes() needs at least one scope')
  for (const scope of scopes) {
    if (typeof scope !== 'string' || !SCOPE_TOKEN.test(scope)) {
      throw new VerifierConfigError('requireScopes() takes scope tokens: no spaces, quotes or backslashes')
    }
  }
  return [...(scopes as readonly string[])]
}

/**
 * Why a request may not pass a scope guard, or undefined when it may: no verified identity is
 * a 401 challenge, a token without every required scope (`scope` or `scp`, each a string or an array) a 403
 * `insufficient_scope` naming them.
 */
export function scopeRejection(
  payload: JWTPayload | undefined,
  required: readonly string[],
): JwtAuthError | undefined {
  if (payload === undefined) return new JwtAuthError('ERR_TOKEN_MISSING')
  try {
    assertScopes(payload, required)
    return undefined
  } catch (error) {
    return error instanceof JwtAuthError
      ? error
      : new JwtAuthError('ERR_INSUFFICIENT_SCOPE', { requiredScopes: required })
  }
}
