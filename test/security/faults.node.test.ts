import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createVerifier } from '../../src/index.js'
import type { FailureMode } from '../../src/testing/index.js'
import { closeTargets, type Layer, makeTarget, type Target } from './support/layers.js'
import { createWorld, type World } from './support/world.js'

/**
 * Faults under load (Node: the heap is measured here). Twenty phases, each with the issuer in
 * another failure mode and the clock moved past the set's expiry, so every phase attempts a
 * refresh while 100 verifications run concurrently through the core and 100 through Hono.
 */

const MINUTE = 60_000
const PHASE_TIMEOUT_MS = 5_000
const CONCURRENT = 100
const UNKNOWN_PER_BURST = 10

type Phase = { name: string; mode: FailureMode | null; body?: string; rotate?: boolean }

const PHASES: Phase[] = [
  { name: 'healthy', mode: null },
  { name: 'down', mode: { kind: 'down' } },
  { name: 'slow, within the deadline', mode: { kind: 'slow', delayMs: 30 } },
  { name: '500', mode: { kind: 'status', status: 500 } },
  { name: '429 Retry-After 60', mode: { kind: 'rate-limited', retryAfterSeconds: 60 } },
  { name: 'bad JSON', mode: { kind: 'bad-json' } },
  { name: 'huge body', mode: { kind: 'huge', bytes: 2 * 1024 * 1024 } },
  { name: 'redirect', mode: { kind: 'redirect', location: 'https://attacker.example/jwks.json' } },
  { name: 'rotation', mode: null, rotate: true },
  { name: 'drip', mode: { kind: 'drip', intervalMs: 5 } },
  { name: 'hang', mode: { kind: 'hang' } },
  { name: '503 Retry-After 30', mode: { kind: 'status', status: 503, headers: { 'retry-after': '30' } } },
  { name: 'healthy again', mode: null },
  { name: 'down again', mode: { kind: 'down' } },
  { name: 'empty set', mode: null, body: '{"keys":[]}' },
  { name: 'huge body, declared', mode: { kind: 'huge', bytes: 50 * 1024 * 1024, declareLength: true } },
  { name: 'slow, past the deadline', mode: { kind: 'slow', delayMs: 400 } },
  { name: '502', mode: { kind: 'status', status: 502 } },
  { name: 'second rotation', mode: null, rotate: true },
  { name: 'healthy at last', mode: null },
]

/** A heap reading after a full collection (gc exposed at run time, no flag on the command line). */
function heapUsed(): number {
  setFlagsFromString('--expose-gc')
  const gc = runInNewContext('gc') as () => void
  gc()
  gc()
  return process.memoryUsage().heapUsed
}

interface Timeline {
  requests: { at: number; url: string }[]
}

describe('faults under load: 20 phases × 100 concurrent verifications through the core and Hono', () => {
  let world: World
  const targets = new Map<Layer, { target: Target; timeline: Timeline }>()

  beforeAll(async () => {
    world = await createWorld({ algorithms: ['RS256', 'ES256'] })
    for (const layer of ['core', 'hono'] as const) {
      const timeline: Timeline = { requests: [] }
      const fetch = ((input: RequestInfo | URL, init?: RequestInit) => {
        timeline.requests.push({
          at: world.clock.now(),
          url: input instanceof Request ? input.url : String(input),
        })
        return world.fetch(input, init)
      }) as typeof globalThis.fetch
      const target = await makeTarget(layer, world, { fetch, timeoutMs: 100 })
      await target.warm()
      timeline.requests.length = 0
      targets.set(layer, { target, timeline })
    }
  })
  afterAll(closeTargets)

  it('known kids never fail; the issuer sees one request per burst and none inside a backoff window; memory stays flat', async () => {
    const { idp, clock } = world
    const knownKids = idp.keys.map((k) => ({ kid: k.kid, alg: k.alg }))
    const totals = {
      requests: 0,
      knownFailures: 0,
      unknownAccepted: 0,
      unknownRejected: 0,
      slowestPhaseMs: 0,
    }
    const heapBefore = heapUsed()

    for (const [index, phase] of PHASES.entries()) {
      world.reset()
      clock.set(clock.now() + (index + 1) * 11 * MINUTE)
      if (phase.rotate === true) await idp.rotate({ alg: 'RS256' })
      idp.fail(phase.mode)
      if (phase.body !== undefined) idp.serveJwks(phase.body)
      const newKid = phase.rotate === true ? idp.keys[0]?.kid : undefined
      const started = performance.now()
      for (const burst of [0, 1]) {
        // The second burst, 0.5 s later, falls inside the 1 s backoff of a failed refresh.
        if (burst === 1) clock.advance(500)
        const sent = await Promise.race([
          Promise.all([...targets.values()].map(({ target }) => burstThrough(target, burst, newKid))),
          new Promise<never>((_, reject) =>
            setTimeout(() => reject(new Error(`${phase.name} hung`)), PHASE_TIMEOUT_MS),
          ),
        ])
        for (const outcome of sent.flat()) {
          totals.requests += 1
          if (outcome.known && outcome.status !== 200) totals.knownFailures += 1
          if (!outcome.known && outcome.status === 200) totals.unknownAccepted += 1
          if (!outcome.known && outcome.status !== 200) totals.unknownRejected += 1
        }
        for (const { target } of targets.values()) await target.settle()
      }
      totals.slowestPhaseMs = Math.max(totals.slowestPhaseMs, performance.now() - started)
      for (const [layer, { timeline }] of targets) {
        const mine = timeline.requests.filter((r) => r.at >= clock.now() - 500)
        const jwks = mine.filter((r) => r.url === idp.jwksUri)
        // 100 concurrent requests, 10 of them with unknown kids, two bursts: one JWKS request.
        expect(jwks.length, `${layer} ${phase.name}`).toBeLessThanOrEqual(1)
      }
    }

    async function burstThrough(target: Target, burst: number, newKid: string | undefined) {
      const tokens = await Promise.all(
        Array.from({ length: CONCURRENT }, async (_, i) => {
          // A rotation phase sends the new kid instead of made-up ones: it must be picked up.
          if (i < UNKNOWN_PER_BURST && newKid !== undefined) return { known: false, token: await idp.sign() }
          if (i < UNKNOWN_PER_BURST)
            return { known: false, token: await idp.sign({}, { kid: `unknown-${burst}-${i}` }) }
          const key = knownKids[i % knownKids.length]
          return {
            known: true,
            token: await idp.sign({ sub: `u${i}` }, key === undefined ? {} : { kid: key.kid, alg: key.alg }),
          }
        }),
      )
      return Promise.all(
        tokens.map(async ({ known, token }) => ({ known, status: (await target.send({ token })).status })),
      )
    }

    // After every failure, nothing reached the issuer before the window it announced was over.
    let fetches = 0
    for (const [layer, { target, timeline }] of targets) {
      fetches += timeline.requests.length
      for (const failure of target.events.filter((e) => e.type === 'fetch_failed')) {
        const at = timeline.requests.findLast((r) => r.url === failure.url)?.at ?? 0
        const early = timeline.requests.filter((r) => r.at > at && r.at < at + failure.retryInMs)
        expect(early, `${layer} retried inside its backoff`).toEqual([])
      }
    }
    const heapGrowth = heapUsed() - heapBefore
    console.info(
      `faults: ${totals.requests} requests, ${fetches} issuer requests, ${totals.knownFailures} known-kid failures, ` +
        `${totals.unknownAccepted}/${totals.unknownAccepted + totals.unknownRejected} unknown kids accepted, ` +
        `heap ${(heapGrowth / 1024 / 1024).toFixed(1)} MiB, slowest phase ${totals.slowestPhaseMs.toFixed(0)} ms`,
    )
    expect(totals.knownFailures).toBe(0)
    // Each rotation's new kid: 2 bursts × 10 tokens × 2 layers, all accepted after one refetch.
    expect(totals.unknownAccepted).toBe(2 * 2 * 2 * UNKNOWN_PER_BURST)
    expect(totals.requests).toBe(PHASES.length * 2 * 2 * CONCURRENT)
    expect(fetches).toBeLessThanOrEqual(PHASES.length * 2 * 3)
    expect(heapGrowth).toBeLessThan(32 * 1024 * 1024)
    expect(totals.slowestPhaseMs).toBeLessThan(PHASE_TIMEOUT_MS)
  }, 60_000)
})

describe('row 67 in Node: 100k verifications, more distinct tokens than the cache holds, keep the heap flat', () => {
  it('the verified-token cache stays within its bounds (LRU of 1000), one fetch in all', async () => {
    const world = await createWorld({ algorithms: ['RS256'] })
    const verifier = createVerifier({
      issuer: world.idp.issuer,
      audience: world.idp.audience,
      fetch: world.fetch,
      now: world.clock.now,
      tokenCacheSize: 1_000,
    })
    // 1250 tokens drawn at random for a cache of 1000: about one lookup in five misses and evicts.
    const tokens = await Promise.all(
      Array.from({ length: 1_250 }, (_, i) => world.idp.sign({ sub: `user-${i}`, pad: 'x'.repeat(i % 500) })),
    )
    await verifier.verify(tokens[0] ?? '')
    const heapBefore = heapUsed()
    const draw = mulberry32(67)
    const seen = new Set<number>()
    for (let i = 0; i < 100_000; i++) {
      const index = Math.floor(draw() * tokens.length)
      seen.add(index)
      await verifier.verify(tokens[index] ?? '')
    }
    expect(seen.size).toBe(tokens.length)
    const heapGrowth = heapUsed() - heapBefore
    console.info(`row 67: 100000 verifications, heap ${(heapGrowth / 1024 / 1024).toFixed(1)} MiB`)
    expect(world.counts()).toEqual({ discovery: 1, jwks: 1, unexpected: 0 })
    expect(verifier.health()[0]?.keys).toBe(1)
    expect(heapGrowth).toBeLessThan(16 * 1024 * 1024)
  }, 60_000)
})

/** A small seeded PRNG (public domain), so the draw is the same on every run. */
function mulberry32(seed: number): () => number {
  let a = seed
  return () => {
    a = (a + 0x6d2b79f5) | 0
    let t = Math.imul(a ^ (a >>> 15), 1 | a)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296
  }
}
