import type { NextFunction, Request, Response } from 'express'
import type { JWTPayload } from 'jose'
import type { AuthScheme, JwtAuthError } from '../errors.js'
import { DEFAULT_REALM, type HttpAnswerOptions, httpAnswer } from '../http/answer.js'
import { notifyObserver } from '../middleware/authenticate.js'
import type { AuthContext, AuthErrorObserver } from '../middleware/options.js'

/** How the `jwksAuth()` that handled a request answers rejections, for later guards too. */
export interface RejectSettings {
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
 * What `jwksAuth()` decided, keyed by the request object. Guards trust this and not
 * `req.auth`, which any other middleware (express-jwt, a test double) could have set.
 */
const states = new WeakMap<object, RequestState>()

/** Records, before deciding, how rejections of this request are answered. */
export function rememberSettings(req: Request, settings: RejectSettings): void {
  states.set(req, { settings, auth: undefined, scheme: 'Bearer' })
}

/** Records the verified identity, and exposes it as `req.auth` for plain JavaScript handlers. */
export function rememberAuth(req: Request, auth: AuthContext, scheme: AuthScheme = 'Bearer'): void {
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

/** Answers a rejection per SPEC §5, or passes it to `next(err)` when `passErrors` is set. */
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
