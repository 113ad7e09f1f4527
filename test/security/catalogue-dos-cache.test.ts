import { expect } from 'vitest'
import { expectAccepted, expectFetches, expectRejected, NF } from './support/expect.js'
import { b64, claims, forge } from './support/forge.js'
import {
  CONFIGURABLE_LAYERS,
  HTTP_LAYERS,
  IN_WORKERD,
  type Layer,
  makeTarget,
  TOKEN_LAYERS,
} from './support/layers.js'
import { eachLayer, FLOOD_TIMEOUT_MS, useWorld } from './support/suite.js'
import { captureUnhandled } from './support/unhandled.js'
import { createWorld, nowSeconds } from './support/world.js'

// docs/SECURITY.md row 61–67 (dos, cache): no request, however many and however crafted, makes the
// issuer see more than one fetch per window, and valid tokens keep flowing meanwhile.
const world = useWorld({ algorithms: ['RS256', 'ES256'] })

/** Socket-bound Express gets a smaller share of the flood; the others take it whole. */
const volume = (layer: Layer, count: number) => (layer === 'express' ? count / 10 : count)

eachLayer(
  TOKEN_LAYERS,
  '#61 10,000 random-kid tokens within 1 s → all R401, one IdP fetch per cooldown, cached kids keep 200',
  async (layer) => {
    const { idp, clock } = world()
    const t = await makeTarget(layer, world())
    await t.warm()
    const good = await idp.sign()
    const statuses = new Map<number, number>()
    const count = volume(layer, 10_000)
    for (let i = 0; i < count; i++) {
      clock.advance(1_000 / count)
      if (i % 100 === 0) expectAccepted(await t.send({ token: good }))
      const probe = await t.send({
        token: forge({ alg: 'RS256', kid: `random-${i}` }, claims(idp, clock.now())),
      })
      statuses.set(probe.status, (statuses.get(probe.status) ?? 0) + 1)
      if (probe.code !== 'ERR_KEY_NOT_FOUND') expectRejected(probe, 'R401', 'ERR_KEY_NOT_FOUND')
    }
    expect([...statuses]).toEqual([[401, count]])
    expectFetches(world(), { jwks: 1 })
    // The next window allows one more refetch, no more.
    clock.advance(30_000)
    for (let i = 0; i < 100; i++)
      await t.send({ token: forge({ alg: 'RS256', kid: `later-${i}` }, claims(idp, clock.now())) })
    expectFetches(world(), { jwks: 2 })
    expectAccepted(await t.send({ token: good }))
  },
  FLOOD_TIMEOUT_MS,
)

eachLayer(
  TOKEN_LAYERS,
  '#62 unknown kid + malformed / expired / wrong iss / wrong aud / disallowed alg → R401, NF (cold and warm)',
  async (layer) => {
    const { idp, clock } = world()
    const now = nowSeconds(world())
    const kid = { kid: 'never-seen' }
    const doomed = async (): Promise<[string, string][]> => [
      [`${b64('{"alg":"RS256","kid":"never-seen"}')}.${b64('not json')}.c2ln`, 'ERR_TOKEN_MALFORMED'],
      [await idp.sign({ exp: now - 3600 }, kid), 'ERR_TOKEN_EXPIRED'],
      [await idp.sign({ iss: 'https://evil.test' }, kid), 'ERR_ISSUER_UNKNOWN'],
      [await idp.sign({ aud: 'https://other-api.test' }, kid), 'ERR_AUDIENCE_MISMATCH'],
      [await idp.sign({ nbf: now + 3600 }, kid), 'ERR_TOKEN_NOT_YET_VALID'],
      [await idp.sign({ exp: undefined }, kid), 'ERR_CLAIM_INVALID'],
      [await idp.sign({}, { alg: 'ES256', ...kid }), 'ERR_ALG_NOT_ALLOWED'],
      [forge({ alg: 'HS256', ...kid }, claims(idp, clock.now())), 'ERR_ALG_NOT_ALLOWED'],
    ]
    const cold = await makeTarget(layer, world(), { algorithms: ['RS256'] })
    for (const [token, code] of await doomed())
      expectRejected(await cold.send({ token }), 'R401', code as never)
    expectFetches(world(), NF)
    const warm = await makeTarget(layer, world(), { algorithms: ['RS256'] })
    await warm.warm()
    for (const [token, code] of await doomed())
      expectRejected(await warm.send({ token }), 'R401', code as never)
    expectFetches(world(), NF)
  },
)

eachLayer(
  TOKEN_LAYERS,
  '#63 500 concurrent requests on a cold instance → 1 discovery + 1 JWKS fetch, all 200',
  async (layer) => {
    const { idp } = world()
    const t = await makeTarget(layer, world())
    const tokens = await Promise.all(Array.from({ length: 50 }, (_, i) => idp.sign({ sub: `u${i}` })))
    const probes = await Promise.all(
      Array.from({ length: 500 }, (_, i) => t.send({ token: tokens[i % 50] ?? '' })),
    )
    expect(probes.filter((p) => p.status === 200)).toHaveLength(500)
    expectFetches(world(), { discovery: 1, jwks: 1 })
  },
  FLOOD_TIMEOUT_MS,
)

eachLayer(
  CONFIGURABLE_LAYERS,
  '#63 the originating fetch never settles (its request gone): no waiter hangs',
  async (layer) => {
    const { idp } = world()
    let first = true
    // The first JWKS request never answers and ignores its abort signal, like a fetch owned by a
    // Workers request that has finished; later requests are served normally.
    const fetch = (async (input: RequestInfo | URL, init?: RequestInit) => {
      const url = input instanceof Request ? input.url : String(input)
      if (url === idp.jwksUri && first) {
        first = false
        return new Promise<Response>(() => undefined)
      }
      return world().fetch(input, init)
    }) as typeof globalThis.fetch
    const t = await makeTarget(layer, world(), { fetch, timeoutMs: 100 })
    const started = Date.now()
    const tokens = await Promise.all(Array.from({ length: 50 }, (_, i) => idp.sign({ sub: `u${i}` })))
    const probes = await Promise.all(tokens.map((token) => t.send({ token })))
    // Every waiter is answered within its own deadline: 503 with Retry-After, nobody hangs.
    expect(Date.now() - started).toBeLessThan(3_000)
    for (const probe of probes) expectRejected(probe, 'R503', 'ERR_JWKS_UNAVAILABLE')
    world().clock.advance(1_000)
    expectAccepted(await t.send({ token: await idp.sign() }))
  },
)

/** A world of its own: rotation changes the issuer for good. EC keys are quick to make. */
const rotatingWorld = () => createWorld({ algorithms: ['ES256'] })

eachLayer(
  TOKEN_LAYERS,
  '#64 the IdP adds kid2: first kid2 token refetches → 200; kid2 inside the cooldown → R401; kid1 stays 200',
  async (layer) => {
    const w = await rotatingWorld()
    const t = await makeTarget(layer, w)
    await t.warm()
    const kid1Token = await w.idp.sign()
    expectRejected(
      await t.send({ token: await w.idp.sign({}, { kid: 'typo' }) }),
      'R401',
      'ERR_KEY_NOT_FOUND',
    )
    expectFetches(w, { jwks: 1 })
    await w.idp.rotate()
    w.clock.advance(10_000)
    // Inside the 30 s cooldown started by the typo: documented, bounded by the cooldown.
    expectRejected(await t.send({ token: await w.idp.sign() }), 'R401', 'ERR_KEY_NOT_FOUND')
    expectFetches(w, { jwks: 1 })
    w.clock.advance(20_000)
    expectAccepted(await t.send({ token: await w.idp.sign() }))
    expectFetches(w, { jwks: 2 })
    expectAccepted(await t.send({ token: kid1Token }))
    // Outside any cooldown, a rotated-in kid is accepted on first sight.
    const fresh = await makeTarget(layer, w)
    await fresh.warm(kid1Token)
    await w.idp.rotate()
    expectAccepted(await fresh.send({ token: await w.idp.sign() }))
    expectFetches(w, { jwks: 1 })
  },
)

eachLayer(
  TOKEN_LAYERS,
  '#65 IdP down past max-age: LKG for known kids up to 24 h stale, then R503; a removed kid dies at the next good refresh',
  async (layer) => {
    const w = await rotatingWorld()
    const t = await makeTarget(layer, w)
    await t.warm()
    const kid1 = w.idp.keys[0]?.kid ?? ''
    w.idp.fail({ kind: 'down' }, 'all')
    for (const step of [11 * 60_000, 60 * 60_000, 22 * 3_600_000]) {
      w.clock.advance(step)
      expectAccepted(await t.send({ token: await w.idp.sign() }))
      await t.settle()
    }
    expect(t.events.some((e) => e.type === 'stale_served')).toBe(true)
    w.clock.advance(2 * 3_600_000)
    expectRejected(await t.send({ token: await w.idp.sign() }), 'R503', 'ERR_JWKS_UNAVAILABLE')
    w.idp.fail(null)
    await w.idp.rotate()
    w.idp.removeKey(kid1)
    w.clock.advance(5 * 60_000)
    expectAccepted(await t.send({ token: await w.idp.sign() }))
    expectRejected(await t.send({ token: await w.idp.sign({}, { kid: kid1 }) }), 'R401', 'ERR_KEY_NOT_FOUND')
  },
)

eachLayer(
  HTTP_LAYERS,
  '#66 header + query tokens while the JWKS fetch fails → one clean R400, NF, no unhandled rejection',
  async (layer) => {
    const { idp, clock } = world()
    const unhandled = captureUnhandled()
    const options = layer === 'gateway' ? {} : { query: true }
    const warm = await makeTarget(layer, world(), options)
    await warm.warm()
    const cold = await makeTarget(layer, world(), options)
    idp.fail({ kind: 'down' }, 'all')
    clock.advance(11 * 60_000)
    for (const t of [cold, warm]) {
      const token = await idp.sign()
      expectRejected(await t.send({ token, query: `?access_token=${token}` }), 'R400', 'ERR_REQUEST_INVALID')
      await t.settle()
    }
    expectFetches(world(), NF)
    expect(await unhandled.stop()).toEqual([])
  },
)

eachLayer(
  TOKEN_LAYERS,
  '#67 many valid requests: one fetch in all, no growth of the key set, the same answers throughout',
  async (layer) => {
    const { idp } = world()
    const t = await makeTarget(layer, world())
    const tokens = await Promise.all(Array.from({ length: 200 }, (_, i) => idp.sign({ sub: `user-${i}` })))
    // 100k through the core and Hono; the gateway and Express (real sockets) take a share. Heap
    // growth over such a run is measured in faults.node.test.ts.
    const count = { core: 100_000, hono: IN_WORKERD ? 20_000 : 100_000, gateway: 20_000, express: 2_000 }[
      layer
    ]
    for (let i = 0; i < count; i++) {
      const probe = await t.send({ token: tokens[i % tokens.length] ?? '' })
      if (probe.status !== 200) expectAccepted(probe)
    }
    await t.settle()
    expectFetches(world(), { discovery: 1, jwks: 1 })
    expect(t.events.filter((e) => e.type === 'fetch_ok')).toHaveLength(1)
  },
  FLOOD_TIMEOUT_MS,
)
