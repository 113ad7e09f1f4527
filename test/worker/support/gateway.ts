import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test'
import { MemoryKeySetStore } from '../../../src/cache/key-set-store.js'
import { createTestIssuer, type TestIssuer, type TestIssuerOptions } from '../../../src/testing/index.js'
import type { GatewayEnv } from '../../../src/worker/env.js'
import { createGateway, type Gateway, type GatewayOptions } from '../../../src/worker/gateway.js'
import { manualClock } from '../../helpers/clock.js'
import { BODY as ANSWER_BODY } from '../../middleware/support/answer-rows.js'

/** The gateway's own origin in tests. */
export const GATEWAY = 'https://gateway.test'
export const UPSTREAM = 'https://upstream.test'

let issuerSerial = 0

/**
 * A unique issuer URL per test: the Cache API and KV outlive a test, and a key set stored by an
 * earlier test under the same issuer would change the fetch counts of the next.
 */
export function uniqueIssuer(): string {
  issuerSerial += 1
  return `https://issuer-${issuerSerial}-${crypto.randomUUID().slice(0, 8)}.test`
}

/** One request as the fake upstream received it, body read whole. */
export interface UpstreamCall {
  method: string
  url: string
  headers: Headers
  body: string
  redirect: RequestRedirect
}

/** A fake origin that records every request and answers 200 JSON (or what `respond` says). */
export function fakeUpstream(respond?: (request: Request) => Response | Promise<Response>) {
  const calls: UpstreamCall[] = []
  const fetchUpstream = (async (input: RequestInfo | URL, init?: RequestInit) => {
    const request = new Request(input, init)
    const call = {
      method: request.method,
      url: request.url,
      headers: request.headers,
      redirect: request.redirect,
    }
    // A custom responder reads the body itself (streaming tests); otherwise it is recorded whole.
    if (respond !== undefined) {
      calls.push({ ...call, body: '' })
      return respond(request)
    }
    calls.push({ ...call, body: request.body === null ? '' : await request.text() })
    return Response.json({ upstream: true }, { headers: { 'x-upstream': 'yes' } })
  }) as typeof fetch
  return { calls, fetch: fetchUpstream }
}

export interface Harness {
  idp: TestIssuer
  gateway: Gateway
  env: GatewayEnv
  upstream: ReturnType<typeof fakeUpstream>
  clock: ReturnType<typeof manualClock>
  logs: string[]
  /** Sends a request through the gateway and waits for its `waitUntil` work. */
  send(path: string, init?: RequestInit): Promise<Response>
  /** `Authorization: Bearer <fresh token>` with the issuer's defaults plus `claims`. */
  bearer(claims?: Record<string, unknown>): Promise<Record<string, string>>
}

export interface HarnessOptions {
  vars?: Partial<GatewayEnv>
  issuer?: TestIssuerOptions
  gateway?: GatewayOptions
  /** Default true: proxy to the fake upstream; false: echo mode. */
  proxy?: boolean
  respond?: (request: Request) => Response | Promise<Response>
}

/**
 * A test issuer, a fake upstream and a gateway wired to both through injected fetches and one
 * clock, with a memory store of its own (store tests pass theirs).
 */
export async function harness(options: HarnessOptions = {}): Promise<Harness> {
  const clock = manualClock()
  const idp = await createTestIssuer({ issuer: uniqueIssuer(), now: clock.now, ...options.issuer })
  const upstream = fakeUpstream(options.respond)
  const logs: string[] = []
  const env: GatewayEnv = {
    ISSUER: idp.issuer,
    AUDIENCE: idp.audience,
    ...(options.proxy === false ? {} : { UPSTREAM }),
    ...options.vars,
  }
  const gateway = createGateway({
    fetch: idp.fetch,
    upstreamFetch: upstream.fetch,
    now: clock.now,
    store: new MemoryKeySetStore(clock.now),
    log: (line) => logs.push(line),
    onEvent: () => undefined,
    ...options.gateway,
  })
  return {
    idp,
    gateway,
    env,
    upstream,
    clock,
    logs,
    // Concatenated, not `new URL(path, base)`: `//admin` would be read as a host.
    send: (path, init) => send(gateway, env, new Request(`${GATEWAY}${path}`, init)),
    bearer: async (claims) => ({ authorization: `Bearer ${await idp.sign(claims)}` }),
  }
}

/** Runs one request like workerd would, `waitUntil` work included. */
export async function send(gateway: Gateway, env: GatewayEnv, request: Request): Promise<Response> {
  const ctx = createExecutionContext()
  const response = await gateway.fetch(request, env, ctx)
  await waitOnExecutionContext(ctx)
  return response
}

/** The docs/middleware.md#http-answers answers are the middleware's (same realm, same mapping), plus the gateway's own. */
export { CHALLENGE } from '../../middleware/support/answer-rows.js'

export const BODY = {
  ...ANSWER_BODY,
  misconfigured: { error: 'server_error', error_description: 'The gateway is misconfigured' },
} as const
