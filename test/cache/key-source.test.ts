import type { JWK } from 'jose'
import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { CacheEvent } from '../../src/cache/events.js'
import { type KeySnapshot, MemoryKeySetStore } from '../../src/cache/key-set-store.js'
import { type KeySourceOptions, RemoteKeySource, refreshBudgetMs } from '../../src/cache/key-source.js'
import { BACKOFF_MAX_MS, DEFAULT_MAX_BODY_BYTES } from '../../src/cache/limits.js'
import { manualClock } from '../helpers/clock.js'
import { ecJwk, handFetch, jwksResponse } from '../helpers/hand-fetch.js'

// Direct tests of the key source, driven by a fetch the test answers by hand and an injected
// clock. The fetch deadline is long (10 s of real time) so that no real timer fires during a
// test: time passes only when the test moves the clock.
const ISSUER = 'https://idp.test'
const JWKS = 'https://idp.test/jwks'
const OIDC = `${ISSUER}/.well-known/openid-configuration`
const RFC8414 = `${ISSUER}/.well-known/oauth-authorization-server`
const TIMEOUT_MS = 10_000
const STORE_KEY = 'test-store-key'
const MINUTE = 60_000
const DAY = 24 * 60 * MINUTE
/** A refresh straight to the configured JWKS URL: its deadline, fixed when it starts. */
const BUDGET_MS = refreshBudgetMs(TIMEOUT_MS, { discovery: false })

let k1: JWK
let k2: JWK
let k3: JWK
beforeAll(async () => {
  ;[k1, k2, k3] = await Promise.all([ecJwk('k1'), ecJwk('k2'), ecJwk('k3')])
})

const handles: ReturnType<typeof handFetch>[] = []
afterEach(() => {
  for (const http of handles.splice(0)) http.release()
})

function setup(options: Partial<KeySourceOptions> = {}) {
  const clock = manualClock()
  const http = handFetch()
  handles.push(http)
  const store = new MemoryKeySetStore(clock.now)
  const events: CacheEvent[] = []
  const pending: Promise<unknown>[] = []
  const waitUntil = (promise: Promise<unknown>) => void pending.push(promise)
  const make = (more: Partial<KeySourceOptions> = {}) =>
    new RemoteKeySource({
      issuer: ISSUER,
      jwksUri: JWKS,
      fetch: http.fetch,
      now: clock.now,
      store,
      storeKey: STORE_KEY,
      timeoutMs: TIMEOUT_MS,
      maxBodyBytes: DEFAULT_MAX_BODY_BYTES,
      maxKeys: 100,
      cooldownMs: 30_000,
      maxStaleMs: DAY,
      onEvent: (event) => events.push(event),
      ...options,
      ...more,
    })
  return { clock, http, store, events, pending, waitUntil, source: make(), make }
}

const kids = (snapshot: KeySnapshot | undefined) => snapshot?.keys.map((key) => key.kid)
const holds = (kid: string) => (snapshot: KeySnapshot) => snapshot.keys.some((key) => key.kid === kid)

/** Loads `source` cold, answering its one fetch with `keys`. */
async function warm(
  { source, http }: { source: RemoteKeySource; http: ReturnType<typeof handFetch> },
  keys: JWK[],
) {
  const loading = source.load()
  ;(await http.next()).respond(jwksResponse(keys))
  return loading
}

/** Lets queued promise callbacks run (no timers involved). */
async function drain() {
  for (let i = 0; i < 20; i++) await Promise.resolve()
}

describe('last-known-good answers whenever it is usable', () => {
  it('a cold instance answers with the stale set of the shared store while the issuer is down', async () => {
    const t = setup()
    await warm(t, [k1])
    t.clock.advance(700_000)
    const b = t.make()
    const loading = b.load()
    ;(await t.http.next()).fail()
    expect(kids(await loading)).toEqual(['k1'])
    expect(b.health()).toMatchObject({ keys: 1, stale: true, lastFetch: { ok: false } })
    expect(t.events.filter((e) => e.type === 'store_hit')).toHaveLength(1)
  })

  it('keeps a fetched set through failed refreshes up to maxStaleMs past expiry, then answers 503', async () => {
    const t = setup()
    await warm(t, [k1])
    t.clock.advance(11 * MINUTE)
    expect(kids(t.source.usable(t.waitUntil))).toEqual(['k1'])
    ;(await t.http.next()).respond(new Response('down', { status: 503 }))
    await Promise.all(t.pending)
    expect(kids(t.source.usable())).toEqual(['k1'])
    t.clock.advance(DAY)
    expect(t.source.usable()).toBeUndefined()
    const cold = t.source.load()
    ;(await t.http.next()).fail()
    await expect(cold).rejects.toMatchObject({ code: 'ERR_JWKS_UNAVAILABLE' })
  })
})

describe('unknown kid', () => {
  it('adopts a stored set only if it holds the kid; else asks the issuer', async () => {
    const t = setup()
    const b = t.source
    await warm(t, [k1])
    t.clock.advance(5_000)
    // Another instance adopts that set, then refetches for a kid of its own: the store now holds
    // a set newer than b's, fetched before the issuer rotates k2 in.
    const a = t.make()
    expect(kids(await a.load())).toEqual(['k1'])
    const other = a.refetchForUnknownKid(holds('zz'))
    ;(await t.http.next()).respond(jwksResponse([k1]))
    expect(await other).toEqual({ outcome: 'absent' })
    t.clock.advance(1_000)
    const rotated = b.refetchForUnknownKid(holds('k2'))
    const asked = t.http.next().then((request) => {
      request.respond(jwksResponse([k2, k1]))
      return rotated
    })
    const result = await Promise.race([rotated, asked])
    expect(result.outcome).toBe('found')
    expect(result.outcome === 'found' && kids(result.snapshot)).toEqual(['k2', 'k1'])
    expect(t.http.requests).toHaveLength(3)
  })

  it('adopts a stored set that holds the kid without asking the issuer (no cooldown)', async () => {
    const t = setup()
    const b = t.source
    await warm(t, [k1])
    const a = t.make()
    t.clock.advance(1_000)
    const loading = a.refetchForUnknownKid(holds('k2'))
    ;(await t.http.next()).respond(jwksResponse([k2, k1]))
    expect((await loading).outcome).toBe('found')
    const result = await b.refetchForUnknownKid(holds('k2'))
    expect(result.outcome === 'found' && kids(result.snapshot)).toEqual(['k2', 'k1'])
    expect(t.http.requests).toHaveLength(2)
    // The store answered: b may still ask the issuer for another unknown kid.
    const next = b.refetchForUnknownKid(holds('k3'))
    ;(await t.http.next()).respond(jwksResponse([k3, k2, k1]))
    expect((await next).outcome).toBe('found')
  })

  it('one refetch, then the cooldown refuses unknown kids without a fetch', async () => {
    const t = setup()
    await warm(t, [k1])
    const first = t.source.refetchForUnknownKid(holds('x1'))
    const joined = t.source.refetchForUnknownKid(holds('x2'))
    ;(await t.http.next()).respond(jwksResponse([k1]))
    expect([await first, await joined]).toEqual([{ outcome: 'absent' }, { outcome: 'absent' }])
    expect(await t.source.refetchForUnknownKid(holds('x3'))).toEqual({ outcome: 'cooldown' })
    t.clock.advance(30_000)
    const after = t.source.refetchForUnknownKid(holds('x4'))
    ;(await t.http.next()).respond(jwksResponse([k1]))
    expect(await after).toEqual({ outcome: 'absent' })
    expect(t.http.requests).toHaveLength(3)
  })

  it('an unknown kid that meets a running refresh shares its fetch; the cooldown follows its answer', async () => {
    const t = setup()
    await warm(t, [k1])
    t.clock.advance(9 * MINUTE)
    t.source.usable(t.waitUntil)
    const refresh = await t.http.next()
    const [missing, rotated] = [
      t.source.refetchForUnknownKid(holds('zz')),
      t.source.refetchForUnknownKid(holds('k2')),
    ]
    refresh.respond(jwksResponse([k2, k1]))
    expect(await missing).toEqual({ outcome: 'absent' })
    expect((await rotated).outcome).toBe('found')
    expect(await t.source.refetchForUnknownKid(holds('zz'))).toEqual({ outcome: 'cooldown' })
    expect(t.http.requests).toHaveLength(2)
  })

  it('a failed refetch arms the backoff, not the cooldown', async () => {
    const t = setup()
    await warm(t, [k1])
    const failing = t.source.refetchForUnknownKid(holds('k2'))
    ;(await t.http.next()).respond(new Response('oops', { status: 500 }))
    expect(await failing).toEqual({ outcome: 'failed' })
    expect(await t.source.refetchForUnknownKid(holds('k2'))).toEqual({ outcome: 'backoff' })
    t.clock.advance(1_000)
    const retry = t.source.refetchForUnknownKid(holds('k2'))
    ;(await t.http.next()).respond(jwksResponse([k2, k1]))
    expect((await retry).outcome).toBe('found')
  })

  it('a refetch that did not complete arms no cooldown: the next unknown kid asks again', async () => {
    const t = setup()
    await warm(t, [k1])
    const dead = t.source.refetchForUnknownKid(holds('k2'), t.waitUntil)
    const held = await t.http.next()
    // Its request was cancelled: the refetch never settles, and its deadline passes.
    t.clock.advance(BUDGET_MS)
    const next = t.source.refetchForUnknownKid(holds('k2'))
    const asked = t.http.next().then((request) => {
      request.respond(jwksResponse([k2, k1]))
      return next
    })
    const result = await Promise.race([next, asked])
    expect(result.outcome).toBe('found')
    held.fail()
    expect((await dead).outcome).toBe('found')
  })
})

describe('Retry-After and backoff', () => {
  it.each([
    ['delta-seconds', '10000000'],
    ['an HTTP date', new Date(Date.UTC(2030, 0, 1)).toUTCString()],
  ])('honours Retry-After (%s) only up to the 5 min backoff ceiling', async (_, value) => {
    const t = setup()
    const loading = t.source.load()
    ;(await t.http.next()).respond(new Response(null, { status: 429, headers: { 'retry-after': value } }))
    await expect(loading).rejects.toMatchObject({ code: 'ERR_JWKS_UNAVAILABLE', retryAfterSeconds: 300 })
    expect(t.source.health().retryInMs).toBe(BACKOFF_MAX_MS)
    expect(t.events.find((e) => e.type === 'fetch_failed')).toMatchObject({ retryInMs: BACKOFF_MAX_MS })
    t.clock.advance(BACKOFF_MAX_MS)
    const again = t.source.load()
    ;(await t.http.next()).respond(jwksResponse([k1]))
    expect(kids(await again)).toEqual(['k1'])
  })

  it('honours a Retry-After longer than the exponential step', async () => {
    const t = setup()
    const loading = t.source.load()
    ;(await t.http.next()).respond(new Response(null, { status: 503, headers: { 'retry-after': '120' } }))
    await expect(loading).rejects.toMatchObject({ retryAfterSeconds: 120 })
    expect(t.source.health().retryInMs).toBe(120_000)
  })
})

describe('single flight', () => {
  it('50 waiters that outlive a never-settling fetch re-enter the single flight: one new fetch', async () => {
    const t = setup()
    const first = t.source.load(t.waitUntil)
    const dead = await t.http.next()
    t.clock.advance(BUDGET_MS - 1)
    // These join with 1 ms left; they give up at the same instant.
    const waiters = Array.from({ length: 50 }, () => t.source.load())
    const second = await t.http.next()
    second.respond(jwksResponse([k2]))
    const results = await Promise.all(waiters)
    expect(new Set(results.map((snapshot) => kids(snapshot)?.join()))).toEqual(new Set(['k2']))
    expect(t.http.requests).toHaveLength(2)
    expect(t.events.filter((e) => e.type === 'fetch_failed')).toHaveLength(0)
    // The first fetch answers late with what the issuer had then: it never replaces the newer set.
    dead.respond(jwksResponse([k1]))
    expect(kids(await first)).toEqual(['k2'])
    expect(kids(t.source.usable())).toEqual(['k2'])
  })

  it('fixes the deadline at the start, counting discovery and its two tries', async () => {
    const t = setup({ jwksUri: undefined })
    const first = t.source.load()
    const oidc = await t.http.next()
    expect(oidc.url).toBe(OIDC)
    t.clock.advance(TIMEOUT_MS)
    oidc.respond(new Response('no such document', { status: 404 }))
    const oauth = await t.http.next()
    expect(oauth.url).toBe(RFC8414)
    t.clock.advance(TIMEOUT_MS)
    oauth.respond(Response.json({ issuer: ISSUER, jwks_uri: JWKS }))
    const jwks = await t.http.next()
    t.clock.advance(TIMEOUT_MS / 2)
    // A healthy refresh, 2.5 deadlines in: a new need joins it.
    const second = t.source.load()
    await drain()
    expect(t.http.requests).toHaveLength(3)
    jwks.respond(jwksResponse([k1]))
    expect([kids(await first), kids(await second)]).toEqual([['k1'], ['k1']])
    expect(t.http.requests).toHaveLength(3)
  })

  it.each([
    ['refresh-ahead', 9 * MINUTE],
    ['stale refresh', 11 * MINUTE],
  ])('a never-settling %s stops being waited on at its deadline', async (_, age) => {
    const t = setup()
    await warm(t, [k1])
    t.clock.advance(age)
    t.source.usable(t.waitUntil)
    const dead = await t.http.next()
    t.source.usable(t.waitUntil)
    t.clock.advance(BUDGET_MS - 1)
    t.source.usable(t.waitUntil)
    expect(t.http.requests).toHaveLength(2)
    t.clock.advance(1)
    t.source.usable(t.waitUntil)
    ;(await t.http.next()).respond(jwksResponse([k2]))
    await t.pending.at(-1)
    expect(kids(t.source.usable())).toEqual(['k2'])
    // A late, older answer never replaces the newer set.
    dead.respond(jwksResponse([k1]))
    await t.pending[0]
    expect(kids(t.source.usable())).toEqual(['k2'])
    expect(t.http.requests).toHaveLength(3)
  })

  it('hands every refresh to waitUntil when it starts, so it outlives the request that started it', async () => {
    const t = setup()
    const cold = t.source.load(t.waitUntil)
    const request = await t.http.next()
    expect(t.pending).toHaveLength(1)
    request.respond(jwksResponse([k1]))
    await cold
    const kid = t.source.refetchForUnknownKid(holds('k2'), t.waitUntil)
    await t.http.next()
    expect(t.pending).toHaveLength(3) // cold refresh, its store write, the kid refetch
    t.http.release()
    await kid
  })
})

describe('events', () => {
  it('stale_served fires once per transition to stale, not on every call', async () => {
    const t = setup()
    await warm(t, [k1])
    t.clock.advance(11 * MINUTE)
    for (let i = 0; i < 5; i++) t.source.usable(t.waitUntil)
    const stale = () => t.events.filter((e) => e.type === 'stale_served')
    expect(stale()).toHaveLength(1)
    ;(await t.http.next()).respond(jwksResponse([k1]))
    await Promise.all(t.pending)
    t.source.usable()
    t.clock.advance(11 * MINUTE)
    for (let i = 0; i < 5; i++) t.source.usable(t.waitUntil)
    expect(stale()).toHaveLength(2)
  })

  it.each([
    ['the OIDC document', [503], OIDC],
    ['the RFC 8414 document', [404, 500], RFC8414],
  ])('fetch_failed names the URL that failed: %s', async (_, statuses, url) => {
    const t = setup({ jwksUri: undefined })
    const loading = t.source.load()
    for (const status of statuses) (await t.http.next()).respond(new Response(null, { status }))
    await expect(loading).rejects.toMatchObject({ code: 'ERR_JWKS_UNAVAILABLE' })
    expect(t.events.find((e) => e.type === 'fetch_failed')).toMatchObject({ url })
  })

  it('a store hit clears the failure state', async () => {
    const t = setup()
    const b = t.source
    const failing = b.load()
    ;(await t.http.next()).respond(new Response(null, { status: 503 }))
    await expect(failing).rejects.toMatchObject({ code: 'ERR_JWKS_UNAVAILABLE' })
    expect(b.health()).toMatchObject({ lastFetch: { ok: false }, retryInMs: 1_000 })
    await warm({ source: t.make(), http: t.http }, [k1])
    t.clock.advance(1_000)
    expect(kids(await b.load())).toEqual(['k1'])
    expect(b.health()).toMatchObject({ keys: 1, lastFetch: { ok: true }, retryInMs: 0 })
  })

  it('escapes what the issuer chose before it reaches an event', async () => {
    const t = setup({ jwksUri: undefined })
    const loading = t.source.load()
    ;(await t.http.next()).respond(
      Response.json({ issuer: ISSUER, jwks_uri: 'https://idp.test/jwks\r\n[error] forged' }),
    )
    ;(await t.http.next()).respond(
      jwksResponse([k1, { kty: 'oct', kid: 'evil\n[error] forged\u2028', k: 'c2VjcmV0' }]),
    )
    await loading
    const text = JSON.stringify(t.events)
    expect(t.events.find((e) => e.type === 'key_ignored')).toMatchObject({
      kid: 'evil\\u000a[error] forged\\u2028',
    })
    // biome-ignore lint/suspicious/noControlCharactersInRegex: looking for them is the point
    expect(t.events.map((e) => ('url' in e ? e.url : '')).join()).not.toMatch(/[\u0000-\u001f]/)
    expect(text).not.toContain('\\r\\n')
  })
})

describe('a stored set obeys the rules of a fetched one', () => {
  const stored = (fields: Record<string, unknown>) => ({
    url: JWKS,
    keys: [k1] as unknown as Record<string, unknown>[],
    fetchedAt: 0,
    maxAgeMs: 600_000,
    ...fields,
  })

  it.each([
    ['a max-age over 24 h is clamped to 24 h', { maxAgeMs: 30 * DAY }, DAY],
    ['a fetchedAt a few seconds ahead (clock skew) counts as now', { fetchedAt: 20_000 }, 600_000],
  ])('%s', async (_, fields, refreshAfterMs) => {
    const t = setup()
    const { fetchedAt = 0, ...rest } = fields as { fetchedAt?: number }
    await t.store.put(STORE_KEY, stored({ ...rest, fetchedAt: t.clock.now() + fetchedAt }), 3_600)
    expect(kids(await t.source.load())).toEqual(['k1'])
    expect(t.http.requests).toHaveLength(0)
    t.clock.advance(refreshAfterMs)
    expect(kids(t.source.usable(t.waitUntil))).toEqual(['k1'])
    expect(t.source.health().stale).toBe(true)
    ;(await t.http.next()).respond(jwksResponse([k2]))
    await Promise.all(t.pending)
    expect(kids(t.source.usable())).toEqual(['k2'])
  })

  it('a max-age under 30 s is raised to 30 s', async () => {
    const t = setup()
    await t.store.put(STORE_KEY, stored({ fetchedAt: t.clock.now(), maxAgeMs: 1 }), 3_600)
    await t.source.load()
    t.clock.advance(20_000)
    t.source.usable()
    expect(t.http.requests).toHaveLength(0)
    expect(t.source.health().stale).toBe(false)
  })

  it.each([
    ['private key material', [{ kty: 'EC', d: 'secret' } as JWK]],
    ['more keys than maxKeys', Array.from({ length: 101 }, (_, i) => ({ kid: `k${i}` }))],
    ['a non-finite fetchedAt', Number.NaN],
    ['a fetchedAt a year ahead', 365 * DAY],
  ])('a stored set with %s is not adopted: the issuer is asked', async (_, extra) => {
    const t = setup()
    const now = t.clock.now()
    const entry =
      typeof extra === 'number'
        ? stored({ fetchedAt: now + extra })
        : stored({ fetchedAt: now, keys: extra.map((key) => ({ ...k1, ...key })) })
    await t.store.put(STORE_KEY, entry, 3_600)
    const loading = t.source.load()
    ;(await t.http.next()).respond(jwksResponse([k2]))
    expect(kids(await loading)).toEqual(['k2'])
  })
})
