import type { NextFunction, Request, Response } from 'express'
import type { JWTPayload } from 'jose'
import type { AuthContext, MiddlewareOptions } from '../middleware/options.js'

/**
 * Options of the Express `jwksAuth()`: every verifier option plus `realm`, `cookie`, `query`,
 * `optional`, `onError` (which receives the request) and `passErrors`.
 *
 * @example
 * const options: JwksAuthOptions = { issuer: 'https://idp.example.com', audience: 'api', passErrors: true }
 */
export interface JwksAuthOptions extends MiddlewareOptions<Request> {
  /**
   * Hand each rejection to `next(err)` as a `JwtAuthError` instead of answering, for apps that
   * render errors in one error handler. Default false. Build the answer with `httpAnswer(err)`
   * from `jwks-gateway` to keep the SPEC §5 status and `WWW-Authenticate`.
   */
  passErrors?: boolean
}

/**
 * An Express request that passed `jwksAuth()`. Express cannot carry a middleware's types to
 * later handlers, so use it through `withAuth()` (or `getAuth(req)`), which check at run
 * time what this type promises.
 *
 * @example
 * app.get('/api/me', withAuth((req: JwtAuthRequest, res) => res.json({ sub: req.auth.payload.sub })))
 */
export type JwtAuthRequest<P extends JWTPayload = JWTPayload> = Request & { auth: AuthContext<P> }

/**
 * A handler that only runs with a verified identity; see `withAuth()`.
 *
 * @example
 * const me: AuthenticatedHandler = (req, res) => void res.json({ sub: req.auth.payload.sub })
 */
export type AuthenticatedHandler<P extends JWTPayload = JWTPayload> = (
  req: JwtAuthRequest<P>,
  res: Response,
  next: NextFunction,
) => unknown
