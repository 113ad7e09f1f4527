import { abortReason } from './abort.js'

/** What the issuer answers with instead of a response when it plays a refused connection. */
export const CONNECTION_REFUSED = Symbol('connection refused')

/** Serves one request that reached the issuer's origin. */
export type Dispatch = (
  request: Request,
  signal: AbortSignal | undefined,
) => Promise<Response | typeof CONNECTION_REFUSED>

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308])
/** The Fetch standard's redirect limit. */
const MAX_REDIRECTS = 20

/** The error Node's and workerd's `fetch` reject with on network failures. */
function fetchFailed(cause: Error): TypeError {
  return new TypeError('fetch failed', { cause })
}

function refused(url: string): TypeError {
  return fetchFailed(
    Object.assign(new Error(`connect ECONNREFUSED (test issuer down: ${url})`), { code: 'ECONNREFUSED' }),
  )
}

/**
 * A `fetch` bound to one origin: requests to it go to `dispatch`; any other URL rejects like an
 * unreachable host and is reported through `onUnexpected`, so tests can assert that nothing
 * strayed. A signal that is already aborted rejects before anything is sent (and counted).
 */
export function createFakeFetch(origin: string, dispatch: Dispatch, onUnexpected: () => void): typeof fetch {
  async function send(
    request: Request,
    signal: AbortSignal | undefined,
    redirects: number,
  ): Promise<Response> {
    if (signal?.aborted === true) throw abortReason(signal)
    if (new URL(request.url).origin !== origin) {
      onUnexpected()
      throw fetchFailed(new Error(`test issuer: unexpected request to ${request.url}`))
    }
    const response = await dispatch(request, signal)
    if (response === CONNECTION_REFUSED) throw refused(request.url)
    const location = response.headers.get('location')
    if (!REDIRECT_STATUSES.has(response.status) || location === null || request.redirect === 'manual')
      return response
    await response.body?.cancel()
    if (request.redirect === 'error') throw fetchFailed(new Error(`unexpected redirect to ${location}`))
    if (redirects >= MAX_REDIRECTS) throw fetchFailed(new Error('redirect count exceeded'))
    // Fetch standard §4.4: 303, and 301/302 after POST, continue as a body-less GET.
    const toGet =
      response.status === 303 ||
      ((response.status === 301 || response.status === 302) && request.method === 'POST')
    if (!toGet && request.body !== null)
      throw fetchFailed(new Error('cannot follow a redirect with a streamed request body'))
    const next = new Request(new URL(location, request.url), {
      method: toGet ? 'GET' : request.method,
      headers: request.headers,
      redirect: request.redirect,
    })
    return send(next, signal, redirects + 1)
  }

  const fakeFetch = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    // The signal is carried separately: not every runtime keeps it on a constructed Request.
    const signal = init?.signal ?? (input instanceof Request ? input.signal : undefined) ?? undefined
    return send(new Request(input, init), signal, 0)
  }
  return fakeFetch as typeof fetch
}
