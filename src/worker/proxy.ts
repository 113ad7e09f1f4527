import { jsonResponse } from '../http/json-response.js'
import type { VerifiedToken } from '../verifier/options.js'
import type { GatewayConfig } from './config/load.js'
import { setClaimHeaders, stripClaimHeaders, withoutHopByHop } from './headers.js'
import { badGateway } from './responses.js'

/** What the upstream is told about the request it gets. */
export interface Forwarding {
  request: Request
  /** Normalised path: the one the public/protected decision was made on. */
  path: string
  /** Query string with its `?`, as received. */
  search: string
  /**
   * Undefined when nothing was verified: a public path without a valid token, a CORS preflight.
   * Then neither `Authorization` nor identity headers are forwarded.
   */
  verified: VerifiedToken | undefined
}

/**
 * Proxies to UPSTREAM: same method, normalised path and query, the body streamed through,
 * hop-by-hop headers dropped both ways, identity headers always stripped and then set from the
 * verified claims only, `Authorization` (and TOKEN_HEADER) kept only when it verified and
 * FORWARD_TOKEN is not false, redirects handed back
 * to the client rather than followed. `Host` becomes the upstream's; the original goes in
 * `X-Forwarded-Host`.
 */
export async function forward(
  upstream: string,
  { request, path, search, verified }: Forwarding,
  config: GatewayConfig,
  upstreamFetch: typeof fetch,
): Promise<Response> {
  const headers = withoutHopByHop(request.headers)
  stripClaimHeaders(headers, config.strippedHeaders)
  // A forwarded Authorization (or TOKEN_HEADER) always means verified: never the client's unchecked one.
  if (!config.forwardToken || verified === undefined) {
    headers.delete('authorization')
    if (config.tokenHeader !== undefined) headers.delete(config.tokenHeader)
  }
  if (verified !== undefined) setClaimHeaders(headers, config.claimHeaders, verified.payload)
  const host = headers.get('host') ?? new URL(request.url).host
  headers.delete('host')
  headers.set('x-forwarded-host', host)
  const method = request.method.toUpperCase()
  const init: RequestInit & { duplex?: 'half' } = { method, headers, redirect: 'manual' }
  if (method !== 'GET' && method !== 'HEAD' && request.body !== null) {
    init.body = request.body
    // Node's fetch needs this for a streamed body; workerd ignores it.
    init.duplex = 'half'
  }
  let response: Response
  try {
    response = await upstreamFetch(new Request(`${upstream}${path}${search}`, init))
  } catch {
    return badGateway(method)
  }
  return new Response(response.body, {
    status: response.status,
    statusText: response.statusText,
    headers: withoutHopByHop(response.headers),
  })
}

/**
 * Echo mode (no UPSTREAM): what the gateway verified and would forward, for local development
 * and smoke tests. Never the token itself.
 */
export function echo({ request, path, verified }: Forwarding, config: GatewayConfig): Response {
  const method = request.method
  if (verified === undefined) return jsonResponse(method, 200, { public: true, path })
  const identity = new Headers()
  setClaimHeaders(identity, config.claimHeaders, verified.payload)
  return jsonResponse(method, 200, {
    issuer: verified.issuer,
    kid: verified.kid ?? null,
    claims: verified.payload,
    headers: Object.fromEntries(identity),
  })
}
