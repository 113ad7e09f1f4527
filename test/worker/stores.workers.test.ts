import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import type { StoredKeySet } from '../../src/cache/key-set-store.js'
import { createTestIssuer } from '../../src/testing/index.js'
import type { GatewayEnv, KVLike } from '../../src/worker/env.js'
import { createGateway } from '../../src/worker/gateway.js'
import { CacheApiKeySetStore, type CacheLike } from '../../src/worker/stores/cache-api.js'
import { KV_MIN_TTL_SECONDS, KvKeySetStore } from '../../src/worker/stores/kv.js'
import { manualClock } from '../helpers/clock.js'
import { send, uniqueIssuer } from './support/gateway.js'

/**
 * The KV namespace the tests use: vitest.config.ts binds `TEST_KV` (miniflare) so that the root
 * Worker's own env keeps no JWKS_CACHE and its default store stays the Cache API.
 */
function testKv(): KVLike {
  const kv = (env as unknown as { TEST_KV?: KVLike }).TEST_KV
  if (kv === undefined)
    throw new Error('vitest.config.ts must bind a KV namespace TEST_KV (miniflare.kvNamespaces)')
  return kv
}

const SET: StoredKeySet = {
  url: 'https://issuer.test/jwks',
  keys: [{ kty: 'EC', crv: 'P-256', x: 'eA', y: 'eQ', kid: 'k1' }],
  fetchedAt: 1_700_000_000_000,
  maxAgeMs: 600_000,
  etag: '"abc"',
}

describe('CacheApiKeySetStore', () => {
  it('round-trips a key set under a synthetic URL with Cache-Control max-age = ttl', async () => {
    const cache = await caches.open(`store-${crypto.randomUUID()}`)
    const puts: Response[] = []
    const recording: CacheLike = {
      match: (request) => cache.match(request),
      put: (request, response) => {
        puts.push(response.clone())
        return cache.put(request, response)
      },
    }
    const store = new CacheApiKeySetStore(recording)
    expect(await store.get('k')).toBeUndefined()
    await store.put('k', SET, 3_600.2)
    expect(await store.get('k')).toEqual(SET)
    expect(puts[0]?.headers.get('cache-control')).toBe('max-age=3601')
  })

  it('a malformed entry reads as absent', async () => {
    const cache = await caches.open(`store-${crypto.randomUUID()}`)
    const store = new CacheApiKeySetStore(cache)
    await store.put('k', SET, 60)
    await cache.put(
      new Request(`https://jwks-gateway.cache.invalid/v1/${encodeURIComponent('bad')}`),
      new Response('{"keys":"nope"}', { headers: { 'cache-control': 'max-age=60' } }),
    )
    expect(await store.get('bad')).toBeUndefined()
  })
})

describe('KvKeySetStore', () => {
  it('round-trips through KV with an expirationTtl of at least 60 s', async () => {
    const kv = testKv()
    const ttls: (number | undefined)[] = []
    const recording: KVLike = {
      get: (key, type) => kv.get(key, type),
      put: (key, value, options) => {
        ttls.push(options?.expirationTtl)
        return kv.put(key, value, options)
      },
    }
    const store = new KvKeySetStore(recording)
    const key = `jwks-gateway/v1 ${uniqueIssuer()} discovery`
    expect(await store.get(key)).toBeUndefined()
    await store.put(key, SET, 5)
    await store.put(key, SET, 600.5)
    expect(await store.get(key)).toEqual(SET)
    expect(ttls).toEqual([KV_MIN_TTL_SECONDS, 601])
  })

  it('keys over 512 bytes are hashed; malformed values read as absent', async () => {
    const kv = testKv()
    const store = new KvKeySetStore(kv)
    const long = `jwks-gateway/v1 https://issuer.test/${'x'.repeat(600)} discovery`
    await store.put(long, SET, 60)
    expect(await store.get(long)).toEqual(SET)
    await kv.put('jwks-gateway:broken', '{"url":1}')
    expect(await store.get('broken')).toBeUndefined()
  })
})

/**
 * Two isolates are simulated by two `createGateway()` instances: each has its own verifier and
 * memory, and only the shared store connects them.
 */
describe('two gateway instances share one issuer fetch', () => {
  async function twoGateways(extra: Partial<GatewayEnv>) {
    const clock = manualClock()
    const idp = await createTestIssuer({ issuer: uniqueIssuer(), now: clock.now })
    const vars: GatewayEnv = { ISSUER: idp.issuer, AUDIENCE: idp.audience, ...extra }
    const make = () =>
      createGateway({ fetch: idp.fetch, now: clock.now, onEvent: () => undefined, log: () => undefined })
    return { idp, vars, clock, first: make(), second: make() }
  }

  it.each([
    ['the Cache API (default)', {}],
    [
      'KV (JWKS_CACHE bound)',
      {
        get JWKS_CACHE() {
          return testKv()
        },
      },
    ],
  ] as [string, Partial<GatewayEnv>][])('through %s', async (_name, extra) => {
    const { idp, vars, first, second } = await twoGateways({ ...extra })
    const token = `Bearer ${await idp.sign()}`
    const request = () => new Request('https://gateway.test/me', { headers: { authorization: token } })
    expect((await send(first, vars, request())).status).toBe(200)
    expect(idp.counts).toMatchObject({ discovery: 1, jwks: 1 })
    expect((await send(second, vars, request())).status).toBe(200)
    expect((await send(second, vars, request())).status).toBe(200)
    expect(idp.counts).toMatchObject({ discovery: 1, jwks: 1 })

    // The published JWKS is shared the same way.
    const jwks = () => new Request('https://gateway.test/.well-known/jwks.json')
    const a = await send(first, vars, jwks())
    const b = await send(second, vars, jwks())
    expect(b.headers.get('etag')).toBe(a.headers.get('etag'))
    expect(idp.counts).toMatchObject({ discovery: 2, jwks: 2 })
  })

  it.each([
    ['the Cache API (default)', {}],
    [
      'KV (JWKS_CACHE bound)',
      {
        get JWKS_CACHE() {
          return testKv()
        },
      },
    ],
  ] as [string, Partial<GatewayEnv>][])(
    'a new isolate answers from the shared store during an outage, from its first request (%s)',
    async (_name, extra) => {
      const { idp, vars, first, second, clock } = await twoGateways({ ...extra })
      const me = async () =>
        new Request('https://gateway.test/me', { headers: { authorization: `Bearer ${await idp.sign()}` } })
      expect((await send(first, vars, await me())).status).toBe(200)
      // Past max-age (600 s), well inside the 24 h stale window: then the issuer goes down.
      clock.advance(700_000)
      idp.fail({ kind: 'down' }, 'all')
      const answers = [
        (await send(second, vars, await me())).status,
        (await send(second, vars, await me())).status,
      ]
      expect(answers).toEqual([200, 200])
    },
  )

  it('50 concurrent requests on a cold gateway make one discovery and one JWKS fetch (docs/SECURITY.md row 63)', async () => {
    const { idp, vars, first } = await twoGateways({})
    const token = `Bearer ${await idp.sign()}`
    const responses = await Promise.all(
      Array.from({ length: 50 }, () =>
        send(first, vars, new Request('https://gateway.test/me', { headers: { authorization: token } })),
      ),
    )
    expect(responses.map((response) => response.status)).toEqual(Array(50).fill(200))
    expect(idp.counts).toMatchObject({ discovery: 1, jwks: 1 })
  })
})
