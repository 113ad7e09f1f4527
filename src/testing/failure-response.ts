import { delay, untilAborted } from './abort.js'
import { dripBody, hugeBody, JWKS_PREFIX } from './streams.js'
import type { FailureMode } from './types.js'

/** Statuses whose responses cannot have a body in the Fetch API. */
const NULL_BODY_STATUSES = new Set([204, 205, 304])

/** What a failure needs from the endpoint it replaces. */
export interface FailureContext {
  signal: AbortSignal | undefined
  /** The endpoint's own content type, so streamed bodies look like the real thing. */
  contentType: string
  /** The answer the endpoint would give when healthy (used by `slow`). */
  healthy: () => Promise<Response>
}

async function respond(
  mode: Exclude<FailureMode, { kind: 'down' }>,
  context: FailureContext,
): Promise<Response> {
  switch (mode.kind) {
    case 'hang':
      return untilAborted(context.signal)
    case 'slow':
      await delay(mode.delayMs, context.signal)
      return context.healthy()
    case 'drip':
      return new Response(dripBody(JWKS_PREFIX, mode.intervalMs, context.signal), {
        headers: { 'content-type': context.contentType },
      })
    case 'status': {
      const headers = new Headers(mode.headers)
      const body = NULL_BODY_STATUSES.has(mode.status) ? null : (mode.body ?? '')
      if (body !== null && body !== '' && !headers.has('content-type'))
        headers.set('content-type', 'text/plain')
      return new Response(body, { status: mode.status, headers })
    }
    case 'rate-limited':
      return new Response('{"error":"rate_limited"}', {
        status: 429,
        headers: { 'retry-after': String(mode.retryAfterSeconds), 'content-type': 'application/json' },
      })
    case 'bad-json':
      return new Response(mode.body ?? '{', { headers: { 'content-type': 'application/json' } })
    case 'huge': {
      const headers = new Headers({ 'content-type': context.contentType })
      if (mode.declareLength === true) headers.set('content-length', String(mode.bytes))
      return new Response(hugeBody(mode.bytes, context.signal), { headers })
    }
    case 'redirect':
      return new Response(null, { status: mode.status ?? 302, headers: { location: mode.location } })
  }
}

/**
 * The response of an endpoint in failure `mode` (`down` is the caller's business: it is not a
 * response at all). HEAD gets the same status and headers without a body.
 */
export async function failureResponse(
  mode: Exclude<FailureMode, { kind: 'down' }>,
  method: string,
  context: FailureContext,
): Promise<Response> {
  const response = await respond(mode, context)
  if (method !== 'HEAD' || response.body === null) return response
  await response.body.cancel()
  return new Response(null, {
    status: response.status,
    statusText: response.statusText,
    headers: response.headers,
  })
}
