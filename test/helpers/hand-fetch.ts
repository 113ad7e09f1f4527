import { exportJWK, generateKeyPair, type JWK } from 'jose'

/** One request the code under test made, held until the test answers it. */
export interface HeldRequest {
  readonly url: string
  readonly headers: Headers
  /** Answers with `response`; a no-op once the request settled (answered, failed or aborted). */
  respond(response: Response): void
  /** Fails like a refused connection. */
  fail(): void
}

/**
 * A `fetch` whose answers the test gives by hand: every call is held until the test calls
 * `respond` or `fail` on it, so races are played step by step, without a sleep. A request whose
 * signal aborts rejects at once, as the real `fetch` does.
 */
export function handFetch() {
  const requests: HeldRequest[] = []
  const waiting = new Map<number, (request: HeldRequest) => void>()
  let taken = 0

  const fetchImpl = ((input: RequestInfo | URL, init?: RequestInit) =>
    new Promise<Response>((resolve, reject) => {
      const request = new Request(input, init)
      const signal = init?.signal ?? undefined
      signal?.addEventListener('abort', () => reject(signal.reason), { once: true })
      const held: HeldRequest = {
        url: request.url,
        headers: request.headers,
        respond: resolve,
        fail: () => reject(new TypeError('fetch failed')),
      }
      requests.push(held)
      waiting.get(requests.length - 1)?.(held)
      waiting.delete(requests.length - 1)
    })) as typeof fetch

  return {
    fetch: fetchImpl,
    /** Every request made so far, in order. */
    requests,
    /** The next request not yet taken by `next()`, waiting for it if it has not been made yet. */
    next(): Promise<HeldRequest> {
      const index = taken++
      const made = requests[index]
      return made !== undefined
        ? Promise.resolve(made)
        : new Promise((resolve) => waiting.set(index, resolve))
    },
    /** Fails every request still held, so that no fetch timer outlives the test. */
    release(): void {
      for (const request of requests) request.fail()
    },
  }
}

/** A JWKS answer with the given freshness and optional ETag. */
export function jwksResponse(
  keys: readonly JWK[],
  options: { maxAgeSeconds?: number; etag?: string; headers?: Record<string, string> } = {},
): Response {
  const headers: Record<string, string> = {
    'content-type': 'application/jwk-set+json',
    'cache-control': `public, max-age=${options.maxAgeSeconds ?? 600}`,
    ...options.headers,
  }
  if (options.etag !== undefined) headers.etag = options.etag
  return new Response(JSON.stringify({ keys }), { status: 200, headers })
}

/** A public ES256 signing JWK with the given kid (a fresh P-256 key each call). */
export async function ecJwk(kid: string): Promise<JWK> {
  const { publicKey } = await generateKeyPair('ES256', { extractable: true })
  return { ...(await exportJWK(publicKey)), kid, use: 'sig', alg: 'ES256' }
}
