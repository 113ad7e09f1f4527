import { retryAfterMs } from './cache-control.js'
import { FetchFailure, networkFailureReason } from './fetch-failure.js'

export interface BoundedFetchOptions {
  fetch: typeof fetch
  now: () => number
  timeoutMs: number
  maxBodyBytes: number
  /** Sent as If-None-Match; a 304 answer then has no body. */
  etag?: string
  /** What the body is: JSON (parsed), or text handed over as a string (one PEM key). Default json. */
  body?: BodyFormat
}

export type BodyFormat = 'json' | 'text'

const ACCEPT: Record<BodyFormat, string> = {
  json: 'application/jwk-set+json, application/json',
  text: 'application/x-pem-file, text/plain',
}

export type BoundedFetchResult =
  | { status: 200; body: unknown; headers: Headers }
  | { status: 304; headers: Headers }

/**
 * GET a JSON (or text) document under docs/verifier.md#how-keys-are-fetched-and-cached's limits: one deadline for headers and body together, the
 * body capped while it streams (never buffered whole first), redirects refused, only 200/304.
 *
 * The deadline is enforced twice: by aborting the request, and by racing our own timer,
 * because on Workers a fetch started by another request's context may never settle.
 */
export async function boundedFetch(url: string, options: BoundedFetchOptions): Promise<BoundedFetchResult> {
  const controller = new AbortController()
  let timer: ReturnType<typeof setTimeout> | undefined
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const failure = new FetchFailure(`timed out after ${options.timeoutMs} ms`, { kind: 'timeout', url })
      controller.abort(failure)
      reject(failure)
    }, options.timeoutMs)
  })
  try {
    return await Promise.race([request(url, options, controller.signal), deadline])
  } finally {
    clearTimeout(timer)
    // Settles the body stream of an abandoned attempt, so no socket lingers.
    controller.abort()
  }
}

async function request(
  url: string,
  options: BoundedFetchOptions,
  signal: AbortSignal,
): Promise<BoundedFetchResult> {
  const format = options.body ?? 'json'
  const headers: Record<string, string> = { accept: ACCEPT[format] }
  if (options.etag !== undefined) headers['if-none-match'] = options.etag
  let response: Response
  try {
    response = await options.fetch(url, { method: 'GET', headers, redirect: 'manual', signal })
  } catch (error) {
    if (error instanceof FetchFailure) throw error
    if (signal.aborted && signal.reason instanceof FetchFailure) throw signal.reason
    throw new FetchFailure(networkFailureReason(error), { kind: 'network', url })
  }
  if (response.status === 304 && options.etag !== undefined) {
    await response.body?.cancel()
    return { status: 304, headers: response.headers }
  }
  if (response.status !== 200) {
    await response.body?.cancel().catch(() => undefined)
    const retryAfter =
      response.status === 429 || response.status === 503
        ? retryAfterMs(response.headers.get('retry-after'), options.now())
        : undefined
    throw new FetchFailure(`unexpected status ${response.status}`, {
      kind: 'status',
      status: response.status,
      url,
      ...(retryAfter === undefined ? {} : { retryAfterMs: retryAfter }),
    })
  }
  const text = await readCapped(response, options.maxBodyBytes, url)
  if (format === 'text') return { status: 200, body: text, headers: response.headers }
  try {
    return { status: 200, body: JSON.parse(text), headers: response.headers }
  } catch {
    throw new FetchFailure('body is not JSON', { kind: 'body', url })
  }
}

async function readCapped(response: Response, maxBytes: number, url: string): Promise<string> {
  const declared = Number(response.headers.get('content-length') ?? Number.NaN)
  if (declared > maxBytes) {
    await response.body?.cancel().catch(() => undefined)
    throw new FetchFailure(`body over ${maxBytes} bytes`, { kind: 'body', url })
  }
  if (response.body === null) return ''
  const reader = response.body.getReader()
  const decoder = new TextDecoder('utf-8', { fatal: true })
  let text = ''
  let received = 0
  try {
    for (;;) {
      const { done, value } = await reader.read()
      if (done) break
      received += value.byteLength
      if (received > maxBytes) {
        await reader.cancel().catch(() => undefined)
        throw new FetchFailure(`body over ${maxBytes} bytes`, { kind: 'body', url })
      }
      text += decoder.decode(value, { stream: true })
    }
    return text + decoder.decode()
  } catch (error) {
    if (error instanceof FetchFailure) throw error
    throw new FetchFailure(error instanceof TypeError ? 'body is not UTF-8' : 'body read failed', {
      kind: 'body',
      url,
    })
  }
}
