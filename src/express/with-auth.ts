import type { RequestHandler } from 'express'
import type { JWTPayload } from 'jose'
import { JwtAuthError } from '../errors.js'
import { getAuth, reject } from './state.js'
import type { AuthenticatedHandler, JwtAuthRequest } from './types.js'

/**
 * Types `req.auth` for one handler, without a global `Express.Request` augmentation. It checks
 * at run time what the type claims: without an identity verified by `jwksAuth()` (not
 * mounted, or `optional` with no token) the handler does not run and the request gets the 401
 * challenge. The handler's return value goes back to Express, so Express 5 still catches a
 * rejected promise.
 *
 * @example
 * app.get('/api/me', withAuth<{ sub: string }>((req, res) => res.json({ sub: req.auth.payload.sub })))
 */
export function withAuth<P extends JWTPayload = JWTPayload>(
  handler: AuthenticatedHandler<P>,
): RequestHandler {
  return function withAuth(req, res, next) {
    const auth = getAuth<P>(req)
    if (auth === undefined) return reject(req, res, next, new JwtAuthError('ERR_TOKEN_MISSING'))
    const authed = req as JwtAuthRequest<P>
    // The same object `jwksAuth()` verified, even if another middleware overwrote `req.auth`.
    authed.auth = auth
    return handler(authed, res, next)
  }
}
