import type { MiddlewareHandler } from 'hono'
import type { JWTPayload } from 'jose'
import { JwtAuthError } from '../errors.js'
import { createAuthenticator, notifyObserver } from '../middleware/authenticate.js'
import { executionWaitUntil, guardSettings, rejection, requestFacts } from './context.js'
import type { JwksAuthEnv, JwksAuthOptions, OptionalJwksAuthEnv } from './types.js'

/**
 * Hono middleware that verifies the request's bearer JWT against the configured issuers'
 * JWKS and puts the identity in `c.get('auth')`: `{ payload, protectedHeader, issuer, kid, token }`.
 *
 * The verifier and its key cache are built here, once; options are checked here too, so a bad
 * configuration throws at start-up. Rejections answer per SPEC §5 (400/401/403/503 with
 * `WWW-Authenticate`, JSON body, none for HEAD) and never reach the handler. CORS preflights
 * pass unauthenticated. On Workers, background key refreshes use `c.executionCtx.waitUntil`.
 *
 * @typeParam P - The claims your tokens carry, for a typed `c.get('auth').payload`.
 * @example
 * const app = new Hono<JwksAuthEnv>()
 * app.use('/api/*', jwksAuth({ issuer: 'https://idp.example.com', audience: 'https://api.example.com' }))
 * app.get('/api/me', (c) => c.json({ sub: c.get('auth').payload.sub }))
 */
export function jwksAuth<P extends JWTPayload = JWTPayload>(
  options: JwksAuthOptions & { optional: true },
): MiddlewareHandler<OptionalJwksAuthEnv<P>>
export function jwksAuth<P extends JWTPayload = JWTPayload>(
  options: JwksAuthOptions & { optional?: false },
): MiddlewareHandler<JwksAuthEnv<P>>
export function jwksAuth<P extends JWTPayload = JWTPayload>(
  options: JwksAuthOptions,
): MiddlewareHandler<OptionalJwksAuthEnv<P>>
export function jwksAuth<P extends JWTPayload = JWTPayload>(
  options: JwksAuthOptions,
): MiddlewareHandler<JwksAuthEnv<P>> | MiddlewareHandler<OptionalJwksAuthEnv<P>> {
  const authenticator = createAuthenticator(options)
  const settings = { answer: authenticator.answer, onError: authenticator.onError, now: authenticator.now }

  const middleware: MiddlewareHandler<OptionalJwksAuthEnv<P>> = async function jwksAuth(c, next) {
    let rejected: JwtAuthError
    try {
      guardSettings.set(c, settings)
      const waitUntil = executionWaitUntil(c)
      const outcome = await authenticator.authenticate<P>(
        requestFacts(c, waitUntil, authenticator.tokenHeader),
      )
      if (outcome.kind === 'authenticated') {
        c.set('auth', outcome.auth)
        if (outcome.scheme !== 'Bearer') guardSettings.set(c, { ...settings, scheme: outcome.scheme })
      }
      // Returned, not awaited, inside the try: an error of the handler is the app's, never a 401.
      if (outcome.kind !== 'rejected') return next()
      rejected = outcome.error
      notifyObserver(settings.onError, rejected, c, waitUntil)
    } catch {
      // Reading the request failed before any decision (a bug, or a runtime oddity): fail
      // closed with a 401, never a 500 and never the handler.
      rejected = new JwtAuthError('ERR_TOKEN_MALFORMED')
    }
    return rejection(c, rejected, settings.answer)
  }
  return middleware
}
