import { exportSPKI, generateKeyPair } from 'jose'
import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { CacheEvent } from '../../src/cache/events.js'
import { type KeySnapshot, MemoryKeySetStore } from '../../src/cache/key-set-store.js'
import { refreshBudgetMs } from '../../src/cache/key-source.js'
import { BACKOFF_INITIAL_MS, DEFAULT_MAX_BODY_BYTES } from '../../src/cache/limits.js'
import { parseEs256PemKey } from '../../src/cache/parse-pem-key.js'
import { PerKidKeySource, type PerKidSourceOptions } from '../../src/cache/per-kid-source.js'
import { isAlbKid } from '../../src/checks/aws-alb.js'
import { manualClock } from '../helpers/clock.js'
import { handFetch } from '../helpers/hand-fetch.js'
import { codeOf } from '../helpers/setup.js'

// The per-kid source (AWS ALB keys), driven by a fetch the test answers by hand and an injected
// clock; as in key-source.test.ts, the fetch deadline is long so no real timer fires unasked.
const ISSUER = 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Example1'
const KEYS = 'https://public-keys.auth.elb.eu-west-1.amazonaws.com'
const TIMEOUT_MS = 10_000
const COOLDOWN_MS = 30_000
const MINUTE = 60_000
const DAY = 24 * 60 * MINUTE
const BUDGET_MS = refreshBudgetMs(TIMEOUT_MS, { discovery: false })
const A = '11111111-1111-4111-8111-111111111111'
const B = '22222222-2222-4222-8222-222222222222'
const C = '33333333-3333-4333-8333-333333333333'

let pem: string
beforeAll(async () => {
  pem = await exportSPKI((await generateKeyPair('ES256', { extractable: true })).publicKey)
})

const handles: ReturnType<typeof handFetch>[] = []
afterEach(() => {
  for (const http of handles.splice(0)) http.release()
})

function setup(options: Partial<PerKidSourceOptions> = {}) {
  const clock = manualClock()
  const http = handFetch()
  handles.push(http)
  const store = new MemoryKeySetStore(clock.now)
  const events: CacheEvent[] = []
  const make = () =>
    new PerKidKeySource({
      issuer: ISSUER,
      keysUrl: KEYS,
      isKid: isAlbKid,
      body: 'text',
      parse: parseEs256PemKey,
      fetch: http.fetch,
      now: clock.now,
      store,
      timeoutMs: TIMEOUT_MS,
      maxBodyBytes: DEFAULT_MAX_BODY_BYTES,
      maxKeys: 100,
      cooldownMs: COOLDOWN_MS,
      maxStaleMs: DAY,
      onEvent: (event) => events.push(event),
      ...options,
    })
  return { clock, http, store, events, source: make(), make }
}

const pemResponse = (maxAgeSeconds = 600) =>
  new Response(pem, {
    headers: { 'content-type': 'application/x-pem-file', 'cache-control': `max-age=${maxAgeSeconds}` },
  })
const denied = () => new Response('<Error><Code>AccessDenied</Code></Error>', { status: 403 })
const holds = (kid: string) => (snapshot: KeySnapshot) => snapshot.keys.some((key) => key.kid === kid)
const kids = (snapshot: KeySnapshot | undefined) => snapshot?.keys.map((key) => key.kid)

/** Lets queued promise callbacks run (no timers involved). */
async function drain() {
  for (let i = 0; i < 20; i++) await Promise.resolve()
}

describe('a kid never seen', () => {
  it('is fetched at {keysUrl}/{kid}, once, however many wait for it; the key is then served with no fetch', async () => {
    const t = setup()
    expect(t.source.usable()).toBeUndefined()
    expect(kids(await t.source.load())).toEqual([])
    const waiters = Array.from({ length: 50 }, () => t.source.refetchForUnknownKid(holds(A), undefined, A))
    const request = await t.http.next()
    expect(request.url).toBe(`${KEYS}/${A}`)
    expect(request.headers.get('accept')).toContain('application/x-pem-file')
    request.respond(pemResponse())
    const outcomes = await Promise.all(waiters)
    expect(new Set(outcomes.map((outcome) => outcome.outcome))).toEqual(new Set(['found']))
    expect(t.source.usable()?.keys).toEqual([
      expect.objectContaining({ kid: A, alg: 'ES256', kty: 'EC', use: 'sig' }),
    ])
    expect(t.http.requests).toHaveLength(1)
  })

  it('is never fetched when it is no ALB kid (or there is none)', async () => {
    const t = setup()
    for (const kid of ['k1', '../../admin', `${A}/x`, undefined]) {
      expect(await t.source.refetchForUnknownKid(holds('x'), undefined, kid)).toEqual({ outcome: 'absent' })
    }
    expect(t.http.requests).toHaveLength(0)
  })

  it('waits while another new kid is asked for: one new kid at a time', async () => {
    const t = setup()
    const first = t.source.refetchForUnknownKid(holds(A), undefined, A)
    const probeA = await t.http.next()
    const second = t.source.refetchForUnknownKid(holds(B), undefined, B)
    await drain()
    expect(t.http.requests).toHaveLength(1)
    probeA.respond(pemResponse())
    const probeB = await t.http.next()
    expect(probeB.url).toBe(`${KEYS}/${B}`)
    probeB.respond(pemResponse())
    expect([(await first).outcome, (await second).outcome]).toEqual(['found', 'found'])
    expect(kids(t.source.usable())).toEqual([A, B])
  })

  it('that the endpoint does not know arms the cooldown: other new kids are refused without a fetch', async () => {
    const t = setup()
    const first = t.source.refetchForUnknownKid(holds(A), undefined, A)
    const probe = await t.http.next()
    const waiting = t.source.refetchForUnknownKid(holds(B), undefined, B)
    probe.respond(denied())
    expect(await first).toEqual({ outcome: 'absent' })
    expect(await waiting).toEqual({ outcome: 'cooldown' })
    expect(await t.source.refetchForUnknownKid(holds(C), undefined, C)).toEqual({ outcome: 'cooldown' })
    expect(t.http.requests).toHaveLength(1)
    expect(t.events).toContainEqual(
      expect.objectContaining({ type: 'fetch_failed', status: 403, url: `${KEYS}/${A}` }),
    )
    t.clock.advance(COOLDOWN_MS)
    const later = t.source.refetchForUnknownKid(holds(C), undefined, C)
    ;(await t.http.next()).respond(pemResponse())
    expect((await later).outcome).toBe('found')
  })

  it('the cooldown is armed by the probe itself, before any waiter resumes', async () => {
    const t = setup()
    // A request that started the probe and is gone: nobody awaits it.
    void t.source.refetchForUnknownKid(holds(A), undefined, A)
    const probe = await t.http.next()
    probe.respond(denied())
    await drain()
    await drain()
    expect(t.events.filter((event) => event.type === 'fetch_failed')).toHaveLength(1)
    expect(await t.source.refetchForUnknownKid(holds(B), undefined, B)).toEqual({ outcome: 'cooldown' })
    expect(t.http.requests).toHaveLength(1)
  })

  it('an endpoint that fails otherwise answers 503 and arms the backoff, not the cooldown', async () => {
    const t = setup()
    const first = t.source.refetchForUnknownKid(holds(A), undefined, A).catch((caught: unknown) => caught)
    ;(await t.http.next()).respond(new Response('busy', { status: 503 }))
    const error = await first
    expect(error).toMatchObject({ code: 'ERR_JWKS_UNAVAILABLE', retryAfterSeconds: 1 })
    expect(await codeOf(t.source.refetchForUnknownKid(holds(B), undefined, B))).toBe('ERR_JWKS_UNAVAILABLE')
    expect(t.http.requests).toHaveLength(1)
    expect(t.source.health().retryInMs).toBe(BACKOFF_INITIAL_MS)
    t.clock.advance(BACKOFF_INITIAL_MS)
    const retry = t.source.refetchForUnknownKid(holds(B), undefined, B)
    ;(await t.http.next()).respond(pemResponse())
    expect((await retry).outcome).toBe('found')
    expect(t.source.health()).toMatchObject({ keys: 1, retryInMs: 0, stale: false })
  })

  it('a probe that never settles is waited on until its deadline only, and blocks no later kid', async () => {
    const t = setup()
    const first = t.source.refetchForUnknownKid(holds(A), undefined, A)
    const deadA = await t.http.next()
    t.clock.advance(BUDGET_MS - 1)
    const second = t.source.refetchForUnknownKid(holds(B), undefined, B)
    // B's request gives up on A's probe at its deadline, 1 ms on, and asks for B itself.
    const probeB = await t.http.next()
    expect(probeB.url).toBe(`${KEYS}/${B}`)
    probeB.respond(pemResponse())
    expect((await second).outcome).toBe('found')
    // A's probe answers at last: what it says still counts.
    deadA.respond(denied())
    expect(await first).toEqual({ outcome: 'absent' })
    expect(await t.source.refetchForUnknownKid(holds(C), undefined, C)).toEqual({ outcome: 'cooldown' })
    expect(t.http.requests).toHaveLength(2)
  })

  it('a key that does not fit the token (another alg) is as good as none', async () => {
    const t = setup()
    const refetch = t.source.refetchForUnknownKid(() => false, undefined, A)
    ;(await t.http.next()).respond(pemResponse())
    expect(await refetch).toEqual({ outcome: 'absent' })
  })

  it('a body that is no P-256 PEM key is a failed fetch, reported as such', async () => {
    const t = setup()
    const refetch = t.source.refetchForUnknownKid(holds(A), undefined, A)
    ;(await t.http.next()).respond(new Response('-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----'))
    expect(await codeOf(refetch)).toBe('ERR_JWKS_UNAVAILABLE')
    expect(t.events).toContainEqual(
      expect.objectContaining({ type: 'fetch_failed', reason: 'body is not a P-256 PEM public key' }),
    )
  })
})

describe('a kid held', () => {
  async function warm(t: ReturnType<typeof setup>, kid = A) {
    const refetch = t.source.refetchForUnknownKid(holds(kid), undefined, kid)
    ;(await t.http.next()).respond(pemResponse())
    expect((await refetch).outcome).toBe('found')
  }

  it('is kept like any last-known-good set: through an outage, until maxStaleMs past its expiry', async () => {
    const t = setup()
    await warm(t)
    const held = t.source.usable()
    t.clock.advance(11 * MINUTE)
    expect(t.source.usable()).toBe(held)
    ;(await t.http.next()).respond(denied())
    await drain()
    expect(kids(t.source.usable())).toEqual([A])
    t.clock.advance(DAY)
    expect(t.source.usable()).toBeUndefined()
  })

  it('is adopted from the shared store by another instance, without a fetch', async () => {
    const t = setup()
    await warm(t)
    await drain()
    const other = t.make()
    expect((await other.refetchForUnknownKid(holds(A), undefined, A)).outcome).toBe('found')
    expect(t.http.requests).toHaveLength(1)
    expect(t.events.filter((event) => event.type === 'store_hit')).toHaveLength(1)
  })

  it('at most maxKeys are held: a new kid pushes out the oldest', async () => {
    const t = setup({ maxKeys: 2 })
    await warm(t, A)
    await warm(t, B)
    await warm(t, C)
    expect(kids(t.source.usable())).toEqual([B, C])
  })
})
