import { describe, expect, it } from 'vitest'
import { createVerifier, type KeySetStore, MemoryKeySetStore, VerifierConfigError } from '../../src/index.js'
import { createTestIssuer, type FailureMode } from '../../src/testing/index.js'
import { manualClock } from '../helpers/clock.js'
import { codeOf, setup } from '../helpers/setup.js'

const MINUTE = 60_000
const HOUR = 60 * MINUTE

describe('discovery', () => {
  it('finds the JWKS through OIDC discovery and caches the document', async () => {
    const { idp, verifier, clock } = await setup()
    await verifier.verify(await idp.sign())
    clock.advance(11 * MINUTE)
    await verifier.verify(await idp.sign())
    await verifier.verify(await idp.sign())
    expect(idp.counts).toMatchObject({ discovery: 1, unexpected: 0 })
  })

  it('falls back to RFC 8414 metadata when there is no OIDC document', async () => {
    const { idp, verifier } = await setup({ issuer: { discovery: 'oauth' } })
    await verifier.verify(await idp.sign())
    expect(idp.counts).toMatchObject({ discovery: 2, jwks: 1, unexpected: 0 })
  })

  it('does not ask RFC 8414 when the OIDC endpoint is down (5xx)', async () => {
    const { idp, verifier } = await setup()
    idp.fail({ kind: 'status', status: 503 }, 'discovery')
    expect(await codeOf(verifier.verify(await idp.sign()))).toBe('ERR_JWKS_UNAVAILABLE')
    expect(idp.counts).toMatchObject({ discovery: 1, jwks: 0 })
  })

  it('skips discovery with an explicit jwksUri', async () => {
    const idp = await createTestIssuer()
    const verifier = createVerifier({
      issuer: idp.issuer,
      audience: idp.audience,
      jwksUri: idp.jwksUri,
      fetch: idp.fetch,
    })
    await verifier.verify(await idp.sign())
    expect(idp.counts).toMatchObject({ discovery: 0, jwks: 1 })
  })

  it('rejects a document whose issuer differs from the configured one, with no JWKS fetch', async () => {
    const idp = await createTestIssuer()
    const verifier = createVerifier({ issuer: `${idp.issuer}/`, audience: idp.audience, fetch: idp.fetch })
    expect(await codeOf(verifier.verify(await idp.sign({ iss: `${idp.issuer}/` })))).toBe(
      'ERR_JWKS_UNAVAILABLE',
    )
    expect(idp.counts.jwks).toBe(0)
  })

  it('rejects a discovered http jwks_uri and one without jwks_uri', async () => {
    for (const doc of [
      { issuer: 'https://idp.test', jwks_uri: 'http://idp.test/jwks' },
      { issuer: 'https://idp.test' },
    ]) {
      const calls: string[] = []
      const verifier = createVerifier({
        issuer: 'https://idp.test',
        fetch: async (input) => {
          calls.push(String(input))
          return Response.json(doc)
        },
      })
      const token = `eyJhbGciOiJSUzI1NiIsImtpZCI6ImsifQ.eyJpc3MiOiJodHRwczovL2lkcC50ZXN0IiwiZXhwIjo0MDAwMDAwMDAwfQ.c2ln`
      expect(await codeOf(verifier.verify(token))).toBe('ERR_JWKS_UNAVAILABLE')
      expect(calls).toEqual(['https://idp.test/.well-known/openid-configuration'])
    }
  })

  it('refuses http issuers and jwksUris at construction, except on loopback', () => {
    expect(() => createVerifier({ issuer: 'http://idp.example.com' })).toThrow(VerifierConfigError)
    expect(() => createVerifier({ issuer: 'https://idp.test', jwksUri: 'http://idp.test/jwks' })).toThrow(
      /"jwksUri" must be https/,
    )
    expect(() => createVerifier({ issuer: 'https://a.test', algorithms: ['none' as 'RS256'] })).toThrow(
      /algorithms/,
    )
    for (const issuer of ['http://localhost:8787', 'http://127.0.0.1:9', 'http://[::1]:9']) {
      expect(createVerifier({ issuer }).issuers).toEqual([issuer])
    }
  })
})

describe('fetch limits', () => {
  const failures: [string, FailureMode][] = [
    ['a server that never answers', { kind: 'hang' }],
    ['a body that drips forever', { kind: 'drip', intervalMs: 5 }],
    ['a body over 256 KiB', { kind: 'huge', bytes: 300 * 1024 }],
    ['a declared length over 256 KiB', { kind: 'huge', bytes: 300 * 1024, declareLength: true }],
    ['a redirect', { kind: 'redirect', location: 'https://elsewhere.test/jwks.json' }],
    ['a 500', { kind: 'status', status: 500 }],
    ['a 404', { kind: 'status', status: 404 }],
    ['a 204', { kind: 'status', status: 204 }],
    ['a 301', { kind: 'status', status: 301, headers: { location: 'http://evil.test/' } }],
    ['connection refused', { kind: 'down' }],
  ]

  it.each(failures)('answers 503 (never hangs) for %s on a cold cache', async (_, mode) => {
    const { idp, verifier, events } = await setup({ verifier: { timeoutMs: 100 } })
    idp.fail(mode)
    const error = await verifier.verify(await idp.sign()).catch((e: unknown) => e)
    expect((error as { code: string }).code).toBe('ERR_JWKS_UNAVAILABLE')
    expect((error as { retryAfterSeconds: number }).retryAfterSeconds).toBeGreaterThanOrEqual(1)
    expect(idp.counts).toMatchObject({ jwks: 1, unexpected: 0 })
    expect(events.find((e) => e.type === 'fetch_failed')).toMatchObject({
      issuer: idp.issuer,
      url: idp.jwksUri,
    })
  })

  it('refuses a set of more than 100 keys', async () => {
    const { idp, verifier } = await setup()
    const [key] = idp.publicJwks().keys
    idp.serveJwks({ keys: Array.from({ length: 101 }, (_, i) => ({ ...key, kid: `k${i}` })) })
    expect(await codeOf(verifier.verify(await idp.sign()))).toBe('ERR_JWKS_UNAVAILABLE')
  })

  it('takes an answer of exactly 256 KiB less one byte... of keys within the caps', async () => {
    const { idp, verifier } = await setup()
    const [key] = idp.publicJwks().keys
    const keys = Array.from({ length: 100 }, (_, i) => ({ ...key, kid: i === 0 ? key?.kid : `k${i}` }))
    idp.serveJwks({ keys })
    expect((await verifier.verify(await idp.sign())).kid).toBe(key?.kid)
  })
})

describe('freshness', () => {
  it('clamps max-age to at least 30 s and refreshes in the background after 80% of it', async () => {
    const pending: Promise<unknown>[] = []
    const { idp, verifier, clock, events } = await setup({
      issuer: { maxAgeSeconds: 5 },
      verifier: { waitUntil: (p) => pending.push(p) },
    })
    const refreshes = () => events.filter((e) => e.type === 'refresh' && e.reason === 'ahead').length
    await verifier.verify(await idp.sign())
    clock.advance(20_000)
    await verifier.verify(await idp.sign())
    expect(refreshes()).toBe(0)
    clock.advance(5_000)
    await verifier.verify(await idp.sign())
    expect(refreshes()).toBe(1)
    await Promise.all(pending)
    expect(idp.counts.jwks).toBe(2)
    expect(events).toContainEqual(expect.objectContaining({ type: 'fetch_ok', maxAgeSeconds: 30 }))
  })

  it('uses 10 min without Cache-Control and clamps a huge max-age to 24 h', async () => {
    const a = await setup({ issuer: { maxAgeSeconds: null } })
    await a.verifier.verify(await a.idp.sign())
    expect(a.events).toContainEqual(expect.objectContaining({ type: 'fetch_ok', maxAgeSeconds: 600 }))
    const b = await setup({ issuer: { maxAgeSeconds: 7 * 24 * 3600 } })
    await b.verifier.verify(await b.idp.sign())
    expect(b.events).toContainEqual(expect.objectContaining({ type: 'fetch_ok', maxAgeSeconds: 86_400 }))
  })

  it('revalidates with If-None-Match and keeps the keys on 304', async () => {
    const pending: Promise<unknown>[] = []
    const { idp, verifier, clock, events } = await setup({ verifier: { waitUntil: (p) => pending.push(p) } })
    await verifier.verify(await idp.sign())
    clock.advance(9 * MINUTE)
    await verifier.verify(await idp.sign())
    await Promise.all(pending)
    expect(events.filter((e) => e.type === 'fetch_ok').map((e) => (e as { status: number }).status)).toEqual([
      200, 304,
    ])
    // The 304 renewed freshness: no refresh is due 9 minutes later... minus the 80% mark.
    clock.advance(7 * MINUTE)
    await verifier.verify(await idp.sign())
    expect(idp.counts.jwks).toBe(2)
  })

  it('never makes a request wait for a background refresh', async () => {
    const pending: Promise<unknown>[] = []
    const { idp, verifier, clock, events } = await setup({
      verifier: { waitUntil: (p) => pending.push(p), timeoutMs: 200 },
    })
    await verifier.verify(await idp.sign())
    clock.advance(9 * MINUTE)
    idp.fail({ kind: 'hang' })
    const result = await verifier.verify(await idp.sign())
    expect(result.issuer).toBe(idp.issuer)
    expect(events.filter((e) => e.type === 'fetch_failed')).toHaveLength(0)
    await Promise.all(pending)
    expect(events.filter((e) => e.type === 'fetch_failed')).toHaveLength(1)
  })
})

describe('outages', () => {
  it('keeps verifying known kids for 24 h past expiry with backoff, then answers 503', async () => {
    const pending: Promise<unknown>[] = []
    const { idp, verifier, clock, events } = await setup({ verifier: { waitUntil: (p) => pending.push(p) } })
    const settle = () => Promise.all(pending.splice(0))
    await verifier.verify(await idp.sign())
    idp.fail({ kind: 'down' })
    const fresh = () => idp.sign({ exp: Math.floor(clock.now() / 1000) + 300 })
    const fetchesAfter = [] as number[]
    for (const step of [10 * MINUTE, 500, 600, 1_100, 2_100, 4_100]) {
      clock.advance(step)
      expect((await verifier.verify(await fresh())).issuer).toBe(idp.issuer)
      await settle()
      fetchesAfter.push(idp.counts.jwks)
    }
    // Failures at +0 s, +1.1 s, +4.3 s, +8.4 s: each retry waits out a doubled window (1, 2, 4 s).
    expect(fetchesAfter).toEqual([2, 2, 3, 3, 4, 5])
    // One event when the set turned stale, not one per request.
    expect(events.filter((e) => e.type === 'stale_served').length).toBe(1)
    const retries = events
      .filter((e) => e.type === 'fetch_failed')
      .map((e) => (e as { retryInMs: number }).retryInMs)
    expect(retries).toEqual([1_000, 2_000, 4_000, 8_000])
    clock.advance(24 * HOUR)
    const error = await verifier.verify(await fresh()).catch((e: unknown) => e)
    expect((error as { code: string }).code).toBe('ERR_JWKS_UNAVAILABLE')
  })

  it('caps the backoff at 5 minutes', async () => {
    const { idp, verifier, clock, events } = await setup()
    idp.fail({ kind: 'down' })
    for (let i = 0; i < 12; i++) {
      await verifier.verify(await idp.sign()).catch(() => undefined)
      clock.advance(10 * MINUTE)
    }
    const retries = events
      .filter((e) => e.type === 'fetch_failed')
      .map((e) => (e as { retryInMs: number }).retryInMs)
    expect(Math.max(...retries)).toBe(5 * MINUTE)
  })

  it('answers 503 without a fetch while backing off, with Retry-After', async () => {
    const { idp, verifier, clock } = await setup()
    idp.fail({ kind: 'status', status: 500 })
    await verifier.verify(await idp.sign()).catch(() => undefined)
    clock.advance(500)
    const error = await verifier.verify(await idp.sign()).catch((e: unknown) => e)
    expect((error as { code: string; retryAfterSeconds: number }).retryAfterSeconds).toBe(1)
    expect(idp.counts.jwks).toBe(1)
  })

  it('after a 429 asks the JWKS again without a new discovery', async () => {
    const pending: Promise<unknown>[] = []
    const { idp, verifier, clock } = await setup({ verifier: { waitUntil: (p) => pending.push(p) } })
    await verifier.verify(await idp.sign())
    idp.fail({ kind: 'rate-limited', retryAfterSeconds: 5 })
    clock.advance(10 * MINUTE)
    await verifier.verify(await idp.sign())
    await Promise.all(pending.splice(0))
    idp.fail(null)
    clock.advance(5_000)
    await verifier.verify(await idp.sign())
    await Promise.all(pending.splice(0))
    expect(idp.counts).toMatchObject({ discovery: 1, jwks: 3 })
  })

  it('honours 429 Retry-After: no refetch for 120 s, known kids keep verifying', async () => {
    const { idp, verifier, clock } = await setup()
    await verifier.verify(await idp.sign())
    idp.fail({ kind: 'rate-limited', retryAfterSeconds: 120 })
    clock.advance(10 * MINUTE)
    await verifier.verify(await idp.sign())
    await new Promise((r) => setTimeout(r, 0))
    expect(idp.counts.jwks).toBe(2)
    for (let i = 0; i < 11; i++) {
      clock.advance(10_000)
      await verifier.verify(await idp.sign())
      expect(await codeOf(verifier.verify(await idp.sign({}, { kid: `new-${i}` })))).toBe('ERR_KEY_NOT_FOUND')
    }
    expect(idp.counts.jwks).toBe(2)
  })

  it.each([
    ['{', '{'],
    ['null', 'null'],
    ['{}', '{}'],
    ['keys null', '{"keys":null}'],
    ['keys [null]', '{"keys":[null]}'],
    ['keys {}', '{"keys":{}}'],
    ['an HTML page', '<html><body>Sign in</body></html>'],
    ['an empty set', '{"keys":[]}'],
  ])('keeps the last good set when a refresh returns %s', async (_, body) => {
    const pending: Promise<unknown>[] = []
    const { idp, verifier, clock, events } = await setup({ verifier: { waitUntil: (p) => pending.push(p) } })
    await verifier.verify(await idp.sign())
    idp.serveJwks(body)
    clock.advance(9 * MINUTE)
    await verifier.verify(await idp.sign())
    await Promise.all(pending)
    expect(events.filter((e) => e.type === 'fetch_failed')).toHaveLength(1)
    expect((await verifier.verify(await idp.sign({ sub: 'after' }))).payload.sub).toBe('after')
  })

  it('keeps the last good set when a refresh publishes private key material', async () => {
    const pending: Promise<unknown>[] = []
    const { idp, verifier, clock, events } = await setup({ verifier: { waitUntil: (p) => pending.push(p) } })
    await verifier.verify(await idp.sign())
    idp.serveJwks(idp.privateJwks())
    clock.advance(9 * MINUTE)
    await verifier.verify(await idp.sign())
    await Promise.all(pending)
    expect(events).toContainEqual(
      expect.objectContaining({ type: 'fetch_failed', reason: 'JWK Set contains private key material' }),
    )
    expect((await verifier.verify(await idp.sign({ sub: 'after' }))).payload.sub).toBe('after')
  })

  it('ignores an oct key in the set (and never verifies HS256 with it)', async () => {
    const { idp, verifier, events } = await setup()
    idp.serveJwks({
      keys: [...idp.publicJwks().keys, { kty: 'oct', kid: 'k1', k: 'c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0' }],
    })
    await verifier.verify(await idp.sign())
    expect(events).toContainEqual(
      expect.objectContaining({ type: 'key_ignored', kid: 'k1', reason: 'symmetric' }),
    )
  })
})

describe('unknown kid', () => {
  it('refetches once, then rejects unknown kids for 30 s without a fetch', async () => {
    const { idp, verifier, clock, events } = await setup()
    await verifier.verify(await idp.sign())
    for (let i = 0; i < 1000; i++) {
      expect(await codeOf(verifier.verify(await idp.sign({}, { kid: `random-${i}` })))).toBe(
        'ERR_KEY_NOT_FOUND',
      )
    }
    expect(idp.counts).toMatchObject({ discovery: 1, jwks: 2 })
    expect(events.filter((e) => e.type === 'cooldown_hit')).toHaveLength(999)
    expect(events.filter((e) => e.type === 'kid_miss')).toHaveLength(1000)
    clock.advance(30_000)
    await verifier.verify(await idp.sign({}, { kid: 'after-cooldown' })).catch(() => undefined)
    expect(idp.counts.jwks).toBe(3)
  })

  it('cooldown_hit reports the cooldown only: not a failed refetch, not the backoff after it', async () => {
    const { idp, verifier, events } = await setup()
    await verifier.verify(await idp.sign())
    idp.fail({ kind: 'status', status: 500 })
    for (const kid of ['new-1', 'new-2', 'new-3']) {
      expect(await codeOf(verifier.verify(await idp.sign({}, { kid })))).toBe('ERR_KEY_NOT_FOUND')
    }
    expect(idp.counts.jwks).toBe(2)
    expect(events.filter((e) => e.type === 'kid_miss')).toHaveLength(3)
    expect(events.filter((e) => e.type === 'fetch_failed')).toHaveLength(1)
    expect(events.filter((e) => e.type === 'cooldown_hit')).toHaveLength(0)
  })

  it('makes at most one fetch for 200 concurrent unknown kids', async () => {
    const { idp, verifier } = await setup()
    await verifier.verify(await idp.sign())
    const tokens = await Promise.all(Array.from({ length: 200 }, (_, i) => idp.sign({}, { kid: `c-${i}` })))
    const codes = await Promise.all(tokens.map((t) => codeOf(verifier.verify(t))))
    expect(new Set(codes)).toEqual(new Set(['ERR_KEY_NOT_FOUND']))
    expect(idp.counts.jwks).toBe(2)
  })

  it('accepts a rotated-in kid on first sight with one fetch, also for 100 concurrent first sights', async () => {
    const { idp, verifier } = await setup()
    await verifier.verify(await idp.sign())
    const newKid = await idp.rotate()
    const tokens = await Promise.all(Array.from({ length: 100 }, () => idp.sign()))
    const results = await Promise.all(tokens.map((t) => verifier.verify(t)))
    expect(new Set(results.map((r) => r.kid))).toEqual(new Set([newKid]))
    expect(idp.counts.jwks).toBe(2)
  })

  it('never fetches on a cold cache for a token that would fail anyway, and names its claim', async () => {
    const { idp, verifier, clock } = await setup()
    const now = Math.floor(clock.now() / 1000)
    const doomed = [
      [{ exp: now - 3600 }, 'ERR_TOKEN_EXPIRED'],
      [{ aud: 'https://other.test' }, 'ERR_AUDIENCE_MISMATCH'],
      [{ nbf: now + 3600 }, 'ERR_TOKEN_NOT_YET_VALID'],
    ] as const
    for (const [claims, code] of doomed) {
      expect(await codeOf(verifier.verify(await idp.sign(claims)))).toBe(code)
    }
    expect(idp.counts).toMatchObject({ discovery: 0, jwks: 0 })
    await verifier.verify(await idp.sign())
    expect(idp.counts).toMatchObject({ discovery: 1, jwks: 1 })
  })

  it('hands the shared-store write to waitUntil, so it outlives the response on Workers', async () => {
    const pending: Promise<unknown>[] = []
    const writes: string[] = []
    const store = { get: async () => undefined, put: async (key: string) => void writes.push(key) }
    const { idp, verifier } = await setup({ verifier: { store, waitUntil: (p) => pending.push(p) } })
    await verifier.verify(await idp.sign())
    // The refresh itself, handed over when it started, then the store write.
    expect(pending).toHaveLength(2)
    await Promise.all(pending)
    expect(writes).toHaveLength(1)
  })

  it('never fetches for an unknown kid on a token that would fail anyway', async () => {
    const { idp, verifier, clock } = await setup()
    await verifier.verify(await idp.sign())
    const now = Math.floor(clock.now() / 1000)
    const doomed = [
      [{ exp: now - 3600 }, 'ERR_TOKEN_EXPIRED'],
      [{ aud: 'https://other.test' }, 'ERR_AUDIENCE_MISMATCH'],
      [{ iss: 'https://other.test' }, 'ERR_ISSUER_UNKNOWN'],
      [{ nbf: now + 3600 }, 'ERR_TOKEN_NOT_YET_VALID'],
      [{ exp: undefined }, 'ERR_CLAIM_INVALID'],
    ] as const
    for (const [claims, code] of doomed) {
      expect(await codeOf(verifier.verify(await idp.sign(claims, { kid: 'unknown' })))).toBe(code)
    }
    expect(idp.counts.jwks).toBe(1)
  })
})

describe('coalescing and sharing', () => {
  it('makes exactly 1 discovery + 1 JWKS fetch for 100 concurrent cold verifications', async () => {
    const { idp, verifier } = await setup()
    const tokens = await Promise.all(Array.from({ length: 100 }, (_, i) => idp.sign({ sub: `u${i}` })))
    const results = await Promise.all(tokens.map((t) => verifier.verify(t)))
    expect(results).toHaveLength(100)
    expect(idp.counts).toMatchObject({ discovery: 1, jwks: 1, unexpected: 0 })
  })

  it('shares one cold fetch failure among concurrent waiters (no stampede on a down issuer)', async () => {
    const { idp, verifier } = await setup()
    idp.fail({ kind: 'down' })
    const tokens = await Promise.all(Array.from({ length: 50 }, () => idp.sign()))
    const codes = await Promise.all(tokens.map((t) => codeOf(verifier.verify(t))))
    expect(new Set(codes)).toEqual(new Set(['ERR_JWKS_UNAVAILABLE']))
    expect(idp.counts.jwks).toBe(1)
  })

  it('lets a second verifier use the keys the first one stored (no fetch at all)', async () => {
    const idp = await createTestIssuer()
    const store = new MemoryKeySetStore()
    const options = { issuer: idp.issuer, audience: idp.audience, fetch: idp.fetch, store }
    await createVerifier(options).verify(await idp.sign())
    const events: string[] = []
    const second = createVerifier({ ...options, onEvent: (e) => events.push(e.type) })
    await second.verify(await idp.sign())
    expect(idp.counts).toMatchObject({ discovery: 1, jwks: 1 })
    expect(events).toContain('store_hit')
  })

  it('still answers when the shared store hangs or throws', async () => {
    const idp = await createTestIssuer()
    const hanging: KeySetStore = { get: () => new Promise(() => undefined), put: async () => undefined }
    const broken: KeySetStore = {
      get: () => Promise.reject(new Error('kv down')),
      put: () => Promise.reject(new Error('x')),
    }
    for (const store of [hanging, broken]) {
      const verifier = createVerifier({
        issuer: idp.issuer,
        audience: idp.audience,
        fetch: idp.fetch,
        store,
        timeoutMs: 50,
      })
      expect((await verifier.verify(await idp.sign())).issuer).toBe(idp.issuer)
    }
  })

  it('reports key state without key material', async () => {
    const { idp, verifier } = await setup()
    expect(verifier.health()).toEqual([
      { issuer: idp.issuer, keys: 0, ageMs: undefined, stale: true, lastFetch: undefined, retryInMs: 0 },
    ])
    await verifier.verify(await idp.sign())
    const [state] = verifier.health()
    expect(state).toMatchObject({ keys: 1, ageMs: 0, stale: false, lastFetch: { ok: true } })
    expect(JSON.stringify(state)).not.toMatch(/"n"|"e"|"x"|kty/)
  })
})

describe('several instances on one shared store', () => {
  it('three verifiers through a rotation and an outage: one fetch per change, every first request answered', async () => {
    const clock = manualClock()
    const idp = await createTestIssuer({ now: clock.now })
    const store = new MemoryKeySetStore(clock.now)
    const pending: Promise<unknown>[] = []
    const make = () =>
      createVerifier({
        issuer: idp.issuer,
        audience: idp.audience,
        fetch: idp.fetch,
        now: clock.now,
        store,
        waitUntil: (p) => pending.push(p),
      })
    const settle = () => Promise.all(pending.splice(0))
    const fresh = () => idp.sign({ exp: Math.floor(clock.now() / 1000) + 300 })
    const [a, b, c] = [make(), make(), make()]
    for (const v of [a, b, c]) expect((await v.verify(await fresh())).issuer).toBe(idp.issuer)
    await settle()
    expect(idp.counts).toMatchObject({ discovery: 1, jwks: 1 })

    // Rotation: the first instance to see the new kid asks the issuer; the others find it stored.
    clock.advance(MINUTE)
    const kid = await idp.rotate()
    for (const v of [a, b, c]) expect((await v.verify(await fresh())).kid).toBe(kid)
    await settle()
    expect(idp.counts.jwks).toBe(2)

    // Outage past max-age: every instance, and a new one, keeps answering from last-known-good;
    // each asks the issuer once (instances share sets, not refreshes in flight).
    clock.advance(11 * MINUTE)
    idp.fail({ kind: 'down' }, 'all')
    const d = make()
    for (const v of [a, b, c, d]) {
      expect((await v.verify(await fresh())).kid).toBe(kid)
      await settle()
    }
    // a asks the JWKS; b, c and d, which adopted their sets from the store, ask discovery first.
    expect(idp.counts).toMatchObject({ discovery: 1 + 3, jwks: 2 + 1 })

    // The issuer is back: after the backoff, one instance refreshes and the others adopt its set.
    idp.fail(null)
    clock.advance(5 * MINUTE)
    for (const v of [a, b, c, d]) {
      expect((await v.verify(await fresh())).kid).toBe(kid)
      await settle()
    }
    expect(idp.counts).toMatchObject({ discovery: 1 + 3, jwks: 2 + 1 + 1 })
    for (const v of [a, b, c, d])
      expect(v.health()[0]).toMatchObject({ stale: false, lastFetch: { ok: true } })
  })
})
