import type { Context } from 'hono'
import type { WaitUntil } from '../cache/key-source.js'
import type { AuthScheme, JwtAuthError } from '../errors.js'
import { type HttpAnswerOptions, httpAnswer } from '../http/answer.js'
import type { RequestFacts } from '../middleware/authenticate.js'
import type { AuthErrorObserver } from '../middleware/options.js'
import { fetchHeaderValues } from '../middleware/presented-token.js'
import { socketClientCertificate, workersClientCertificate } from '../sender/certificate.js'

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

/**
 * Per-request settings left by `jwksAuth()` for later guards, keyed by the request's Context
 * so that nothing shows up among the app's own variables and nothing outlives the request.
 */
export const guardSettings = new WeakMap<Context, GuardSettings>()

/**
 * Workers' `ctx.waitUntil`, or undefined elsewhere: Hono's `c.executionCtx` getter throws
 * when the runtime (Node, Bun, `app.request()` in tests) gave it no ExecutionContext, and has
 * no non-throwing twin. Capturing that Error's stack cost ~16 µs a request on Node (profiled in
 * bench/), so no stack is captured while we probe.
 */
export function executionWaitUntil(c: Context): WaitUntil | undefined {
  const stackTraceLimit = Error.stackTraceLimit
  Error.stackTraceLimit = 0
  try {
    const ctx = c.executionCtx
    return typeof ctx.waitUntil === 'function' ? (promise) => ctx.waitUntil(promise) : undefined
  } catch {
    return undefined
  } finally {
    Error.stackTraceLimit = stackTraceLimit
  }
}

/** Reads the token carriers of a Fetch-API request; `tokenHeader` names an extra token header. */
export function requestFacts(
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

/** The SPEC §5 answer for `error`, from the one code→HTTP mapping. */
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
