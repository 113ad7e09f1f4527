import type { Context } from 'hono'
import type { JWTPayload } from 'jose'
import type { AuthContext, MiddlewareOptions } from '../middleware/options.js'

/**
 * Options of the Hono `jwksAuth()`: every verifier option plus `realm`, `cookie`, `query`,
 * `optional` and `onError`, which receives the request's `Context`.
 *
 * @example
 * const options: JwksAuthOptions = { issuer: 'https://idp.example.com', audience: 'api', cookie: 'session' }
 */
export type JwksAuthOptions = MiddlewareOptions<Context>

/**
 * The Hono `Env` a `jwksAuth()` route sees: `c.get('auth')` is the verified identity. Give it
 * to `new Hono<JwksAuthEnv>()` when routes are declared apart from the middleware.
 *
 * @example
 * const app = new Hono<JwksAuthEnv<{ sub: string; scope: string }>>()
 * app.use('/api/*', jwksAuth({ issuer, audience }))
 * app.get('/api/me', (c) => c.json({ sub: c.get('auth').payload.sub }))
 */
export type JwksAuthEnv<P extends JWTPayload = JWTPayload> = { Variables: { auth: AuthContext<P> } }

/**
 * The `Env` of an `optional: true` middleware: `c.get('auth')` is undefined when the request
 * carried no token.
 *
 * @example
 * const app = new Hono<OptionalJwksAuthEnv>()
 * app.use(jwksAuth({ issuer, audience, optional: true }))
 * app.get('/', (c) => c.text(c.get('auth')?.payload.sub ?? 'anonymous'))
 */
export type OptionalJwksAuthEnv<P extends JWTPayload = JWTPayload> = {
  Variables: { auth: AuthContext<P> | undefined }
}
