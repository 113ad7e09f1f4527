import type { TLSSocket } from 'node:tls'
import type { NextFunction, Request, RequestHandler, Response } from 'express'
import type { JWTPayload } from 'jose'
import { type AuthScheme, JwtAuthError } from '../errors.js'
import { DEFAULT_REALM, type HttpAnswerOptions, httpAnswer } from '../http/answer.js'
import {
  createAuthenticator,
  notifyObserver,
  type Outcome,
  type RequestFacts,
} from '../middleware/authenticate.js'
import {
  type AuthContext,
  type AuthErrorObserver,
  MIDDLEWARE_OPTION_NAMES,
  type MiddlewareOptions,
} from '../middleware/options.js'
import { socketClientCertificate } from '../sender/certificate.js'
import { VerifierConfigError } from '../verifier/config.js'
import { checkVerifierOptionNames, type OptionNames } from '../verifier/option-names.js'

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
   * from `jwks-gateway` to keep the docs/middleware.md#http-answers status and `WWW-Authenticate`.
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

/**
 * Every value of header `name`. Node merges most repeated headers but keeps only the first
 * `Authorization`, which would hide a second token; `rawHeaders` has them all.
 */
function headerValues(req: Request, name: string): string[] {
  const raw = req.rawHeaders
  if (Array.isArray(raw) && raw.length > 0) {
    const values: string[] = []
    for (let i = 0; i + 1 < raw.length; i += 2) {
      const field = raw[i]
      // Lower-cased only when the length matches: no string is made for most fields.
      if (field?.length === name.length && field.toLowerCase() === name) values.push(raw[i + 1] ?? '')
    }
    return values
  }
  const value = req.headers[name]
  return value === undefined ? [] : Array.isArray(value) ? value : [value]
}

/**
 * Reads the token carriers of an Express (Node) request, without Express's query parser;
 * `tokenHeader` names an extra token header.
 */
function requestFacts(req: Request, tokenHeader: string | undefined): RequestFacts {
  // `originalUrl` survives routers that rewrite `req.url` under a mount path.
  const url = req.originalUrl ?? req.url ?? ''
  const queryStart = url.indexOf('?')
  return {
    method: req.method ?? 'GET',
    url: receivedUrl(req, url),
    headerValues: (name) => headerValues(req, name),
    clientCertificate: socketClientCertificate(req.socket),
    corsRequestMethod: headerValues(req, 'access-control-request-method').length > 0,
    carriers: {
      authorization: headerValues(req, 'authorization'),
      cookie: headerValues(req, 'cookie'),
      query: queryStart === -1 ? '' : url.slice(queryStart),
      header: tokenHeader === undefined ? [] : headerValues(req, tokenHeader),
    },
    waitUntil: undefined,
  }
}

/**
 * The URL this server received: the connection's scheme, the `Host` the client sent and the
 * original path. Not `req.protocol` nor `req.host`: with Express's `trust proxy` they come
 * from `X-Forwarded-*`, which a DPoP `htu` must not follow unless the operator says so.
 */
function receivedUrl(req: Request, path: string): string {
  const tls = (req.socket as Partial<TLSSocket> | undefined)?.encrypted === true
  const host = headerValues(req, 'host')[0] ?? headerValues(req, ':authority')[0] ?? 'localhost'
  return `${tls ? 'https' : 'http'}://${host}${path.startsWith('/') ? path : `/${path}`}`
}

/** Every Express {@link JwksAuthOptions} name: the shared middleware options and `passErrors`. */
const EXPRESS_OPTION_NAMES: OptionNames<JwksAuthOptions> = { ...MIDDLEWARE_OPTION_NAMES, passErrors: true }

/**
 * Express middleware (Express 4 and 5) that verifies the request's bearer JWT against the
 * configured issuers' JWKS and sets `req.auth` to `{ payload, protectedHeader, issuer, kid, token }`.
 *
 * The verifier and its key cache are built here, once; options are checked here too, so a bad
 * configuration throws at start-up. Rejections answer per docs/middleware.md#http-answers (400/401/403/503 with
 * `WWW-Authenticate`, JSON body, none for HEAD) and never reach the handler, or go to
 * `next(err)` with `passErrors`. CORS preflights pass unauthenticated. Express is not imported
 * at run time: it stays an optional peer dependency.
 *
 * @typeParam P - The claims your tokens carry, for `getAuth<P>(req)` and `withAuth<P>()`.
 * @example
 * const app = express()
 * app.use('/api', jwksAuth({ issuer: 'https://idp.example.com', audience: 'https://api.example.com' }))
 * app.get('/api/me', withAuth((req, res) => res.json({ sub: req.auth.payload.sub })))
 */
export function jwksAuth<P extends JWTPayload = JWTPayload>(options: JwksAuthOptions): RequestHandler {
  checkVerifierOptionNames('jwksAuth()', options, EXPRESS_OPTION_NAMES)
  const { passErrors, ...shared } = options
  if (passErrors !== undefined && typeof passErrors !== 'boolean') {
    throw new VerifierConfigError('"passErrors" option must be a boolean', 'passErrors')
  }
  const authenticator = createAuthenticator<Request>(shared)
  const settings: RejectSettings = {
    answer: authenticator.answer,
    now: authenticator.now,
    onError: authenticator.onError,
    passErrors: passErrors ?? false,
  }

  async function decide(req: Request): Promise<Outcome<P>> {
    try {
      return await authenticator.authenticate<P>(requestFacts(req, authenticator.tokenHeader))
    } catch {
      // Reading the request failed (a bug, or an odd request object): fail closed with a 401.
      return { kind: 'rejected', error: new JwtAuthError('ERR_TOKEN_MALFORMED') }
    }
  }

  function deliver(req: Request, res: Response, next: NextFunction, outcome: Outcome<P>): void {
    if (outcome.kind === 'rejected') {
      reject(req, res, next, outcome.error)
      return
    }
    if (outcome.kind === 'authenticated') rememberAuth(req, outcome.auth, outcome.scheme)
    next()
  }

  // Not an async function: Express 4 ignores returned promises, so every path settles here.
  return function jwksAuth(req, res, next) {
    rememberSettings(req, settings)
    decide(req)
      .then((outcome) => deliver(req, res, next, outcome))
      .catch((error: unknown) => {
        // `decide` never rejects, so only delivery can fail here; Express reports it.
        if (!res.headersSent) next(error)
      })
  }
}

/** How the `jwksAuth()` that handled a request answers rejections, for later guards too. */
interface RejectSettings {
  /** Realm, DPoP `algs`, `resource_metadata` and 401 `scope` of the challenges. */
  answer: HttpAnswerOptions
  /** The verifier's clock (epoch ms), for step-up guards. */
  now: () => number
  onError: AuthErrorObserver<Request> | undefined
  passErrors: boolean
}

interface RequestState {
  settings: RejectSettings
  auth: AuthContext | undefined
  /** The scheme the verified token came with, so a guard's 403 challenges in it (RFC 9449 §7.1). */
  scheme: AuthScheme
}

/**
 * What `jwksAuth()` decided, on the request object under a symbol: it dies with the request and
 * is no Express variable. Guards trust this and not `req.auth`, which any other middleware
 * (express-jwt, a test double) could have set. Not a WeakMap: an entry per request made the
 * garbage collector's ephemeron work part of every request's cost (bench/results/NOTES.md).
 */
const STATE = Symbol('jwks-gateway.requestState')

type WithState = { [STATE]?: RequestState }

const states = {
  get(req: object): RequestState | undefined {
    return (req as WithState)[STATE]
  },
  set(req: object, state: RequestState): void {
    ;(req as WithState)[STATE] = state
  },
}

/** Records, before deciding, how rejections of this request are answered. */
function rememberSettings(req: Request, settings: RejectSettings): void {
  states.set(req, { settings, auth: undefined, scheme: 'Bearer' })
}

/** Records the verified identity, and exposes it as `req.auth` for plain JavaScript handlers. */
function rememberAuth(req: Request, auth: AuthContext, scheme: AuthScheme = 'Bearer'): void {
  const state = states.get(req)
  if (state !== undefined) {
    state.auth = auth
    state.scheme = scheme
  }
  ;(req as Request & { auth?: AuthContext }).auth = auth
}

/**
 * The identity `jwksAuth()` verified for this request, or undefined (no middleware ran, a
 * preflight, or `optional` without a token).
 *
 * @example
 * app.get('/', (req, res) => res.send(getAuth(req)?.payload.sub ?? 'anonymous'))
 */
export function getAuth<P extends JWTPayload = JWTPayload>(req: Request): AuthContext<P> | undefined {
  return states.get(req)?.auth as AuthContext<P> | undefined
}

/** The clock of the `jwksAuth()` that handled the request, for step-up guards. */
export function clockOf(req: Request): () => number {
  return states.get(req)?.settings.now ?? Date.now
}

/** The scheme the request's verified token came with (`Bearer` when none was verified). */
export function schemeOf(req: Request): AuthScheme {
  return states.get(req)?.scheme ?? 'Bearer'
}

/** Answers a rejection per docs/middleware.md#http-answers, or passes it to `next(err)` when `passErrors` is set. */
export function reject(req: Request, res: Response, next: NextFunction, error: JwtAuthError): void {
  const settings = states.get(req)?.settings
  notifyObserver(settings?.onError, error, req, undefined)
  if (settings?.passErrors === true) {
    next(error)
    return
  }
  // Someone else already answered; writing again would throw ERR_HTTP_HEADERS_SENT.
  if (res.headersSent) return
  const answer = httpAnswer(error, { ...(settings?.answer ?? { realm: DEFAULT_REALM }), method: req.method })
  // Plain Node `ServerResponse` calls, which Express 4 and 5 share.
  res.statusCode = answer.status
  for (const [name, value] of Object.entries(answer.headers)) res.setHeader(name, value)
  if (answer.body === null) {
    res.end()
    return
  }
  const body = new TextEncoder().encode(JSON.stringify(answer.body))
  res.setHeader('content-length', String(body.byteLength))
  res.end(body)
}

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
