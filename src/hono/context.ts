import type { Context } from 'hono'
import type { JwtAuthError } from '../errors.js'
import { httpAnswer } from '../http/answer.js'
import type { RequestFacts, WaitUntil } from '../middleware/authenticate.js'
import type { AuthErrorObserver } from '../middleware/options.js'

/** What a `requireScopes()` guard needs from the `jwksAuth()` that ran before it. */
export interface GuardSettings {
  realm: string
  onError: AuthErrorObserver<Context> | undefined
}

/**
 * Per-request settings left by `jwksAuth()` for later guards, keyed by the request's Context
 * so that nothing shows up among the app's own variables and nothing outlives the request.
 */
export const guardSettings = new WeakMap<Context, GuardSettings>()

/**
 * Workers' `ctx.waitUntil`, or undefined elsewhere: Hono's `c.executionCtx` getter throws
 * when the runtime (Node, Bun, `app.request()` in tests) gave it no ExecutionContext.
 */
export function executionWaitUntil(c: Context): WaitUntil | undefined {
  try {
    const ctx = c.executionCtx
    return typeof ctx.waitUntil === 'function' ? (promise) => ctx.waitUntil(promise) : undefined
  } catch {
    return undefined
  }
}

/** Reads the token carriers of a Fetch-API request. */
export function requestFacts(c: Context, waitUntil: WaitUntil | undefined): RequestFacts {
  const headers = c.req.raw.headers
  const authorization = headers.get('authorization')
  const cookie = headers.get('cookie')
  return {
    method: c.req.method,
    corsRequestMethod: headers.has('access-control-request-method'),
    carriers: {
      authorization: authorization === null ? [] : [authorization],
      cookie: cookie === null ? [] : [cookie],
      query: new URL(c.req.url).search,
    },
    waitUntil,
  }
}

/** The SPEC §5 answer for `error`, from the one code→HTTP mapping. */
export function rejection(c: Context, error: JwtAuthError, realm: string): Response {
  const answer = httpAnswer(error, { realm, method: c.req.method })
  if (answer.body === null) return c.body(null, answer.status, answer.headers)
  return c.body(JSON.stringify(answer.body), answer.status, answer.headers)
}
