import type { Context, MiddlewareHandler } from 'hono'
import type { JWTPayload } from 'jose'
import type { WaitUntil } from '../cache/key-source.js'
import { type AuthScheme, JwtAuthError } from '../errors.js'
import { type HttpAnswerOptions, httpAnswer } from '../http/answer.js'
import { createAuthenticator, notifyObserver, type RequestFacts } from '../middleware/authenticate.js'
import type { AuthContext, AuthErrorObserver, MiddlewareOptions } from '../middleware/options.js'
import { fetchHeaderValues } from '../middleware/presented-token.js'
import { socketClientCertificate, workersClientCertificate } from '../sender/certificate.js'

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

/** What a `requireScopes()` guard needs from the `jwksAuth()` that ran before it. */
export interface GuardSettings {
  /** Realm, DPoP `algs`, `resource_metadata` and 401 `scope` of the challenges. */
  answer: HttpAnswerOptions
  /** The scheme the verified token came with, so a guard's 403 challenges in it (RFC 9449 §7.1). */
  scheme?: AuthScheme
  onError: AuthErrorObserver<Context> | undefined
  /** The verifier's clock (epoch ms), for step-up guards. */
  now: () => number
}

/** Where `jwksAuth()` leaves its settings on a request's Context: a symbol, not a variable. */
const GUARD_SETTINGS = Symbol('jwks-gateway.guardSettings')

type WithGuardSettings = { [GUARD_SETTINGS]?: GuardSettings }

/**
 * Per-request settings left by `jwksAuth()` for later guards, on the request's Context under a
 * symbol: nothing shows up among the app's own variables and nothing outlives the request. Not
 * a WeakMap: an entry per request made the garbage collector's ephemeron work part of every
 * request's cost (bench/results/NOTES.md).
 */
export const guardSettings = {
  get(c: Context): GuardSettings | undefined {
    return (c as WithGuardSettings)[GUARD_SETTINGS]
  },
  set(c: Context, settings: GuardSettings): void {
    ;(c as WithGuardSettings)[GUARD_SETTINGS] = settings
  },
}

/**
 * Workers' `ctx.waitUntil` for this request, looked up only when something is handed to it:
 * Hono's `c.executionCtx` getter throws when the runtime (Node, Bun, `app.request()` in tests)
 * gave it no ExecutionContext, and has no non-throwing twin. Probing it on every request cost
 * ~1.5 µs even without a stack (bench/results/NOTES.md); a background refresh or an observer's
 * promise is rare. Without an ExecutionContext the promise goes to `fallback` (the verifier's
 * own `waitUntil` option), as the verifier would have done with no per-call `waitUntil`.
 */
export function executionWaitUntil(c: Context, fallback?: WaitUntil): WaitUntil {
  return (promise) => {
    const ctx = executionContext(c)
    if (ctx !== undefined) ctx.waitUntil(promise)
    else fallback?.(promise)
  }
}

/** `c.executionCtx` when it has a `waitUntil`, else undefined; no stack is captured while probing. */
function executionContext(c: Context): { waitUntil(promise: Promise<unknown>): void } | undefined {
  const stackTraceLimit = Error.stackTraceLimit
  Error.stackTraceLimit = 0
  try {
    const ctx = c.executionCtx
    return typeof ctx.waitUntil === 'function' ? ctx : undefined
  } catch {
    return undefined
  } finally {
    Error.stackTraceLimit = stackTraceLimit
  }
}

/** Reads the token carriers of a Fetch-API request; `tokenHeader` names an extra token header. */
function requestFacts(
  c: Context,
  waitUntil: WaitUntil | undefined,
  tokenHeader: string | undefined,
): RequestFacts {
  const headers = c.req.raw.headers
  const authorization = headers.get('authorization')
  const cookie = headers.get('cookie')
  const header = tokenHeader === undefined ? null : headers.get(tokenHeader)
  return {
    method: c.req.method,
    url: c.req.url,
    headerValues: fetchHeaderValues(headers),
    clientCertificate: workersClientCertificate(c.req.raw) ?? socketClientCertificate(nodeSocket(c)),
    corsRequestMethod: headers.has('access-control-request-method'),
    carriers: {
      authorization: authorization === null ? [] : [authorization],
      cookie: cookie === null ? [] : [cookie],
      query: searchOf(c.req.url),
      header: header === null ? [] : [header],
    },
    waitUntil,
  }
}

/** The TLS socket under `@hono/node-server` (`c.env.incoming.socket`); undefined elsewhere. */
function nodeSocket(c: Context): unknown {
  const env = c.env as { incoming?: { socket?: unknown } } | undefined
  return env?.incoming?.socket
}

/** The docs/middleware.md#http-answers answer for `error`, from the one code→HTTP mapping. */
export function rejection(c: Context, error: JwtAuthError, options: HttpAnswerOptions): Response {
  const answer = httpAnswer(error, { ...options, method: c.req.method })
  if (answer.body === null) return c.body(null, answer.status, answer.headers)
  return c.body(JSON.stringify(answer.body), answer.status, answer.headers)
}

/** The `?…` part of a request URL (which never has a fragment), without parsing it whole. */
function searchOf(url: string): string {
  const start = url.indexOf('?')
  return start === -1 ? '' : url.slice(start)
}

/**
 * Hono middleware that verifies the request's bearer JWT against the configured issuers'
 * JWKS and puts the identity in `c.get('auth')`: `{ payload, protectedHeader, issuer, kid, token }`.
 *
 * The verifier and its key cache are built here, once; options are checked here too, so a bad
 * configuration throws at start-up. Rejections answer per docs/middleware.md#http-answers (400/401/403/503 with
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
      const waitUntil = executionWaitUntil(c, options.waitUntil)
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
