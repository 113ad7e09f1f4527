import type { MiddlewareHandler } from 'hono'
import type { JWTPayload } from 'jose'
import type { StepUpRequirement } from '../checks/step-up.js'
import { DEFAULT_REALM } from '../http/answer.js'
import { isCorsPreflight, notifyObserver } from '../middleware/authenticate.js'
import type { AuthContext } from '../middleware/options.js'
import { inScheme } from '../middleware/presented-token.js'
import { checkScopeList, scopeRejection } from '../middleware/scopes.js'
import { checkStepUp, stepUpRejection } from '../middleware/step-up.js'
import type { JwksAuthEnv } from './jwks-auth.js'
import { executionWaitUntil, guardSettings, rejection } from './jwks-auth.js'

/**
 * A guard for routes behind `jwksAuth()`: the token must grant every scope listed (`scope`
 * string or array, or `scp` likewise), else 403 `insufficient_scope` with a `scope` attribute naming them.
 * Without a verified identity (no `jwksAuth()` before it, or `optional` with no token) it
 * answers the 401 challenge. It uses the realm and `onError` of the `jwksAuth()` that ran.
 *
 * @example
 * app.use('/api/*', jwksAuth({ issuer, audience }))
 * app.delete('/api/items/:id', requireScopes('items:write'), (c) => c.body(null, 204))
 */
export function requireScopes<P extends JWTPayload = JWTPayload>(
  ...scopes: string[]
): MiddlewareHandler<JwksAuthEnv<P>> {
  const required = checkScopeList(scopes)

  return async function requireScopes(c, next) {
    if (isCorsPreflight(c.req.method, c.req.raw.headers.has('access-control-request-method'))) return next()
    const settings = guardSettings.get(c)
    // Typed as always there, but it is not when the middleware was optional or missing.
    const auth: AuthContext<P> | undefined = c.get('auth')
    const rejected = scopeRejection(auth?.payload, required)
    if (rejected === undefined) return next()
    const error = inScheme(rejected, settings?.scheme ?? 'Bearer')
    const waitUntil = executionWaitUntil(c)
    notifyObserver(settings?.onError, error, c, waitUntil)
    return rejection(c, error, settings?.answer ?? { realm: DEFAULT_REALM })
  }
}

/**
 * A guard for routes behind `jwksAuth()` that need a stronger or more recent user
 * authentication (RFC 9470): the token's `acr` must be one of `acrValues` and/or its
 * `auth_time` at most `maxAgeSeconds` old, else 401 `insufficient_user_authentication` with
 * `acr_values` and `max_age`, which tells the client what to ask the authorization server for.
 *
 * @example
 * app.post('/mcp/transfer', requireStepUp({ acrValues: ['mfa'], maxAgeSeconds: 300 }), handler)
 */
export function requireStepUp<P extends JWTPayload = JWTPayload>(
  requirement: StepUpRequirement,
): MiddlewareHandler<JwksAuthEnv<P>> {
  const checked = checkStepUp(requirement ?? {}, 'requireStepUp') ?? {}
  return async function requireStepUp(c, next) {
    if (isCorsPreflight(c.req.method, c.req.raw.headers.has('access-control-request-method'))) return next()
    const settings = guardSettings.get(c)
    const auth: AuthContext<P> | undefined = c.get('auth')
    const error = stepUpRejection(
      auth?.payload,
      checked,
      (settings?.now ?? Date.now)(),
      settings?.scheme ?? 'Bearer',
    )
    if (error === undefined) return next()
    notifyObserver(settings?.onError, error, c, executionWaitUntil(c))
    return rejection(c, error, settings?.answer ?? { realm: DEFAULT_REALM })
  }
}
