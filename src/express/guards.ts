import type { RequestHandler } from 'express'
import type { StepUpRequirement } from '../checks/step-up.js'
import { isCorsPreflight } from '../middleware/authenticate.js'
import { inScheme } from '../middleware/presented-token.js'
import { checkScopeList, scopeRejection } from '../middleware/scopes.js'
import { checkStepUp, stepUpRejection } from '../middleware/step-up.js'
import { clockOf, getAuth, reject, schemeOf } from './jwks-auth.js'

/**
 * A guard for routes behind `jwksAuth()`: the token must grant every scope listed (`scope`
 * string or array, or `scp` likewise), else 403 `insufficient_scope` with a `scope` attribute naming them.
 * Without a verified identity (no `jwksAuth()` before it, or `optional` with no token) it
 * answers the 401 challenge. It answers with the realm, `onError` and `passErrors` of the
 * `jwksAuth()` that ran.
 *
 * @example
 * app.use('/api', jwksAuth({ issuer, audience }))
 * app.delete('/api/items/:id', requireScopes('items:write'), (req, res) => res.sendStatus(204))
 */
export function requireScopes(...scopes: string[]): RequestHandler {
  const required = checkScopeList(scopes)
  return function requireScopes(req, res, next) {
    if (isCorsPreflight(req.method, req.headers['access-control-request-method'] !== undefined)) return next()
    const error = scopeRejection(getAuth(req)?.payload, required)
    if (error === undefined) return next()
    reject(req, res, next, inScheme(error, schemeOf(req)))
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
export function requireStepUp(requirement: StepUpRequirement): RequestHandler {
  const checked = checkStepUp(requirement ?? {}, 'requireStepUp') ?? {}
  return function requireStepUp(req, res, next) {
    if (isCorsPreflight(req.method, req.headers['access-control-request-method'] !== undefined)) return next()
    const error = stepUpRejection(getAuth(req)?.payload, checked, clockOf(req)(), schemeOf(req))
    if (error === undefined) return next()
    reject(req, res, next, error)
  }
}
