import { describe, expect, it } from 'vitest'
import { MemoryKeySetStore } from '../../src/cache/key-set-store.js'
import { createTestIssuer } from '../../src/testing/index.js'
import { createGateway, type Gateway } from '../../src/worker/gateway.js'
import { GATEWAY, harness, send } from './support/gateway.js'

describe('GET /healthz', () => {
  it('needs no token, is never proxied, and reports each issuer before any fetch', async () => {
    const h = await harness()
    const response = await h.send('/healthz')
    expect(response.status).toBe(200)
    expect(response.headers.get('cache-control')).toBe('no-store')
    expect(await response.json()).toEqual({
      status: 'ok',
      issuers: [
        { issuer: h.idp.issuer, keys: 0, ageSeconds: null, stale: true, lastFetch: null, retryInSeconds: 0 },
      ],
    })
    expect(h.upstream.calls).toHaveLength(0)
    expect(h.idp.counts).toMatchObject({ discovery: 0, jwks: 0 })
  })

  it('shows key count, age and the last fetch; never key material', async () => {
    const h = await harness()
    await h.send('/orders', { headers: await h.bearer() })
    h.clock.advance(90_000)
    const body = await (await h.send('//healthz')).json()
    expect(body).toEqual({
      status: 'ok',
      issuers: [
        {
          issuer: h.idp.issuer,
          keys: 1,
          ageSeconds: 90,
          stale: false,
          lastFetch: { ok: true, at: new Date(h.clock.now() - 90_000).toISOString() },
          retryInSeconds: 0,
        },
      ],
    })
    const modulus = String(h.idp.publicJwks().keys[0]?.n)
    expect(JSON.stringify(body)).not.toContain(modulus.slice(0, 16))
  })

  it('reports a failed fetch with its reason and backoff', async () => {
    const h = await harness()
    h.idp.fail({ kind: 'status', status: 503 })
    await h.send('/orders', { headers: await h.bearer() })
    const body = (await (await h.send('/healthz')).json()) as { issuers: Record<string, unknown>[] }
    expect(body.issuers[0]).toMatchObject({
      keys: 0,
      stale: true,
      lastFetch: { ok: false, reason: 'unexpected status 503' },
      retryInSeconds: 1,
    })
  })

  it("caps the issuer's Retry-After at the 5 min backoff ceiling", async () => {
    const h = await harness()
    h.idp.fail({ kind: 'rate-limited', retryAfterSeconds: 10_000_000 })
    expect((await h.send('/orders', { headers: await h.bearer() })).status).toBe(503)
    const body = (await (await h.send('/healthz')).json()) as { issuers: Record<string, unknown>[] }
    expect(body.issuers[0]).toMatchObject({ lastFetch: { ok: false }, retryInSeconds: 300 })
  })

  it('a key set adopted from the shared store clears the failure it reported', async () => {
    const store = new MemoryKeySetStore()
    const h = await harness({ gateway: { store } })
    h.idp.fail({ kind: 'status', status: 503 })
    expect((await h.send('/orders', { headers: await h.bearer() })).status).toBe(503)
    // Another isolate reaches the issuer and shares the set.
    h.idp.fail(null)
    const other = createGateway({
      fetch: h.idp.fetch,
      upstreamFetch: h.upstream.fetch,
      now: h.clock.now,
      store,
      onEvent: () => undefined,
    })
    expect(
      (await send(other, h.env, new Request(`${GATEWAY}/orders`, { headers: await h.bearer() }))).status,
    ).toBe(200)
    h.clock.advance(1_000)
    expect((await h.send('/orders', { headers: await h.bearer() })).status).toBe(200)
    const body = (await (await h.send('/healthz')).json()) as { issuers: Record<string, unknown>[] }
    expect(body.issuers[0]).toMatchObject({
      keys: 1,
      stale: false,
      lastFetch: { ok: true },
      retryInSeconds: 0,
    })
    expect(h.idp.counts.jwks).toBe(2)
  })

  it('HEAD has no body; other methods are 405', async () => {
    const h = await harness()
    const head = await h.send('/healthz', { method: 'HEAD' })
    expect(head.status).toBe(200)
    expect(await head.text()).toBe('')
    const post = await h.send('/healthz', { method: 'POST' })
    expect(post.status).toBe(405)
    expect(post.headers.get('allow')).toBe('GET, HEAD')
    expect(h.upstream.calls).toHaveLength(0)
  })
})

describe('GET /.well-known/jwks.json', () => {
  it("re-serves the issuer's keys, filtered, with the docs/gateway.md#the-public-jwks-well-knownjwksjson headers, never proxied", async () => {
    const h = await harness({ issuer: { algorithms: ['RS256', 'ES256'] } })
    const [rsa, ec] = h.idp.keys
    h.env.ALGORITHMS = 'ES256,RS256'
    h.env.JWKS_DENY_KIDS = rsa?.kid ?? 'missing'
    const response = await h.send('/.well-known/jwks.json')
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toBe('application/jwk-set+json')
    expect(response.headers.get('access-control-allow-origin')).toBe('*')
    expect(response.headers.get('cache-control')).toBe('public, max-age=600')
    const body = (await response.json()) as { keys: { kid: string }[] }
    expect(body.keys.map((key) => key.kid)).toEqual([ec?.kid])
    expect(h.upstream.calls).toHaveLength(0)
    expect(h.idp.counts).toMatchObject({ discovery: 1, jwks: 1 })
  })

  it('ALGORITHMS also filters what is published', async () => {
    const h = await harness({ issuer: { algorithms: ['RS256', 'ES256'] }, vars: { ALGORITHMS: 'RS256' } })
    const body = (await (await h.send('/.well-known/jwks.json')).json()) as { keys: { kid: string }[] }
    expect(body.keys.map((key) => key.kid)).toEqual([h.idp.keys[0]?.kid])
  })

  it('ETag + If-None-Match → 304; HEAD → headers only; a token is not needed nor checked', async () => {
    const h = await harness()
    const first = await h.send('/.well-known/jwks.json', { headers: { authorization: 'Bearer junk' } })
    const etag = first.headers.get('etag')!
    const again = await h.send('/.well-known/jwks.json', { headers: { 'if-none-match': etag } })
    expect(again.status).toBe(304)
    expect(await again.text()).toBe('')
    const head = await h.send('/.well-known/jwks.json', { method: 'HEAD' })
    expect(head.status).toBe(200)
    expect(head.headers.get('etag')).toBe(etag)
    expect(await head.text()).toBe('')
    expect(h.idp.counts.jwks).toBe(1)
  })

  it('JWKS_SOURCES replaces the issuers as the published sources', async () => {
    const keys = await createTestIssuer({ issuer: 'https://keys.test', algorithms: ['EdDSA'] })
    const h = await harness({
      vars: { JWKS_SOURCES: keys.jwksUri },
      gateway: {
        fetch: (input, init) => keys.fetch(input, init),
      },
    })
    const body = (await (await h.send('/.well-known/jwks.json')).json()) as { keys: { kid: string }[] }
    expect(body.keys.map((key) => key.kid)).toEqual([keys.keys[0]?.kid])
    expect(keys.counts).toMatchObject({ discovery: 0, jwks: 1 })
    expect(h.idp.counts).toMatchObject({ discovery: 0, jwks: 0 })
  })

  it('a source that is the gateway itself is refused on the hop back: 503, not a loop', async () => {
    let hops = 0
    let gateway: Gateway | undefined
    const h = await harness({
      vars: { JWKS_SOURCES: `${GATEWAY}/.well-known/jwks.json` },
      gateway: {
        // The source URL reaches this very gateway, as it would on the Internet.
        fetch: (input, init) => {
          hops += 1
          return send(gateway as Gateway, h.env, new Request(input, init))
        },
      },
    })
    gateway = h.gateway
    const response = await h.send('/.well-known/jwks.json')
    expect(response.status).toBe(503)
    expect(hops).toBe(1)
    expect(h.idp.counts.unexpected).toBe(0)
  })

  it("a client's Host never makes the sources look like the gateway's own origin", async () => {
    const h = await harness()
    const spoofed = await send(
      h.gateway,
      h.env,
      new Request(`${h.idp.issuer}/.well-known/jwks.json`, { headers: { host: new URL(h.idp.issuer).host } }),
    )
    expect(spoofed.status).toBe(200)
    expect((await h.send('/.well-known/jwks.json')).status).toBe(200)
  })

  it('other methods are 405', async () => {
    const h = await harness()
    const response = await h.send('/.well-known/jwks.json', { method: 'DELETE' })
    expect(response.status).toBe(405)
    expect(h.upstream.calls).toHaveLength(0)
  })
})
