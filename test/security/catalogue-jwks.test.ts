import { base64url } from 'jose'
import { expect } from 'vitest'
import type { FailureMode } from '../../src/testing/index.js'
import { expectAccepted, expectFetches, expectRejected, NF } from './support/expect.js'
import { CONFIGURABLE_LAYERS, makeTarget, type Target, TOKEN_LAYERS } from './support/layers.js'
import { eachLayer, useWorld } from './support/suite.js'
import type { World } from './support/world.js'

// docs/SECURITY.md row 50–57 (jwks): a failing issuer costs a 503 on a cold cache and nothing at all
// on a warm one (last-known-good), and it is asked again only after a growing backoff.
const world = useWorld({ algorithms: ['RS256'] })

const MINUTE = 60_000
/** Past the test issuer's `max-age=600`: the next request refreshes in the background. */
const EXPIRE = 11 * MINUTE

const failed = (t: Target) => t.events.filter((e) => e.type === 'fetch_failed')

/** Warm, then let the set expire with the issuer failing in `mode`: the next request must be LKG. */
async function expectLastKnownGood(t: Target, w: World, mode: FailureMode | string) {
  if (typeof mode === 'string') w.idp.serveJwks(mode)
  else w.idp.fail(mode)
  w.clock.advance(EXPIRE)
  const before = failed(t).length
  expectAccepted(await t.send({ token: await w.idp.sign() }))
  await t.settle()
  expect(failed(t).length, JSON.stringify(mode)).toBe(before + 1)
  expectAccepted(await t.send({ token: await w.idp.sign({ sub: 'still-verifies' }) }))
  w.idp.fail(null)
  w.idp.serveJwks(null)
}

const refused = (code: string) =>
  (async () => {
    throw new TypeError('fetch failed', { cause: Object.assign(new Error(code), { code }) })
  }) as typeof fetch

eachLayer(
  TOKEN_LAYERS,
  '#50 ECONNREFUSED, DNS (ENOTFOUND) and TLS failures on a cold cache → R503, not 401',
  async (layer) => {
    const { idp } = world()
    idp.fail({ kind: 'down' })
    const t = await makeTarget(layer, world())
    expectRejected(await t.send({ token: await idp.sign() }), 'R503', 'ERR_JWKS_UNAVAILABLE')
    expectFetches(world(), { discovery: 1, jwks: 1 })
    for (const code of ['ENOTFOUND', 'EAI_AGAIN', 'CERT_HAS_EXPIRED', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE']) {
      const broken = await makeTarget(layer, world(), { fetch: refused(code) })
      expectRejected(await broken.send({ token: await idp.sign() }), 'R503', 'ERR_JWKS_UNAVAILABLE')
      expect(failed(broken)).toEqual([
        expect.objectContaining({ reason: `discovery: network error (${code})` }),
      ])
    }
  },
)

eachLayer(
  CONFIGURABLE_LAYERS,
  '#51 no headers ever, or a body trickling one byte at a time → abort at the deadline: R503 cold, LKG warm',
  async (layer) => {
    const { idp } = world()
    for (const mode of [{ kind: 'hang' }, { kind: 'drip', intervalMs: 5 }] as const) {
      idp.fail(mode)
      const cold = await makeTarget(layer, world(), { timeoutMs: 100 })
      const started = Date.now()
      expectRejected(await cold.send({ token: await idp.sign() }), 'R503', 'ERR_JWKS_UNAVAILABLE')
      // One deadline for headers and body together (plus discovery's own): never a hang.
      expect(Date.now() - started).toBeLessThan(2_000)
      expect(failed(cold)).toEqual([expect.objectContaining({ reason: 'timed out after 100 ms' })])
      idp.fail(null)
      const warm = await makeTarget(layer, world(), { timeoutMs: 100 })
      await warm.warm()
      await expectLastKnownGood(warm, world(), mode)
    }
  },
)

eachLayer(TOKEN_LAYERS, '#52 5xx, 404, 204, 3xx on refresh → failure, LKG keeps verifying', async (layer) => {
  const t = await makeTarget(layer, world())
  await t.warm()
  for (const status of [500, 502, 503, 504, 404, 204, 301, 302, 307]) {
    const headers =
      status >= 300 && status < 400 ? { location: 'https://elsewhere.test/jwks.json' } : undefined
    await expectLastKnownGood(t, world(), {
      kind: 'status',
      status,
      ...(headers === undefined ? {} : { headers }),
    })
  }
  expect(world().counts().unexpected).toBe(0)
})

eachLayer(
  TOKEN_LAYERS,
  '#52 a failing issuer is retried after 1 s, 2 s, 4 s, 8 s … (exponential backoff, no 1 s storm)',
  async (layer) => {
    const { idp, clock } = world()
    const t = await makeTarget(layer, world())
    await t.warm()
    idp.fail({ kind: 'status', status: 500 })
    clock.advance(EXPIRE)
    const fetchesAt: number[] = []
    // Requests every 250 ms for 16 s: a fixed 1 s retry would make 16 fetches; doubling makes 5,
    // at 0, 1, 3, 7 and 15 s.
    for (let step = 0; step < 64; step++) {
      expectAccepted(await t.send({ token: await idp.sign() }))
      await t.settle()
      fetchesAt.push(idp.counts.jwks)
      clock.advance(250)
    }
    expect(idp.counts.jwks).toBe(5)
    const retries = failed(t).map((e) => (e as { retryInMs: number }).retryInMs)
    expect(retries).toEqual([1_000, 2_000, 4_000, 8_000, 16_000])
    expect([2, 3, 4, 5].map((n) => fetchesAt.indexOf(n) * 250)).toEqual([1_000, 3_000, 7_000, 15_000])
  },
)

eachLayer(
  TOKEN_LAYERS,
  '#53 429 + Retry-After: 120 → no refetch for 120 s; known kids verify, unknown → R401',
  async (layer) => {
    const { idp, clock } = world()
    const t = await makeTarget(layer, world())
    await t.warm()
    idp.fail({ kind: 'rate-limited', retryAfterSeconds: 120 })
    clock.advance(EXPIRE)
    expectAccepted(await t.send({ token: await idp.sign() }))
    await t.settle()
    expectFetches(world(), { jwks: 1 })
    for (let i = 0; i < 11; i++) {
      clock.advance(10_000)
      expectAccepted(await t.send({ token: await idp.sign() }))
      expectRejected(
        await t.send({ token: await idp.sign({}, { kid: `rotated-${i}` }) }),
        'R401',
        'ERR_KEY_NOT_FOUND',
      )
      await t.settle()
    }
    expectFetches(world(), { jwks: 1 })
    clock.advance(10_001)
    idp.fail(null)
    expectAccepted(await t.send({ token: await idp.sign() }))
    await t.settle()
    // A 429 says nothing about the jwks_uri: the window ends with one JWKS request, no discovery.
    expectFetches(world(), { discovery: 0, jwks: 2 })
  },
)

const BAD_BODIES = [
  '{',
  'null',
  '{}',
  '{"keys":null}',
  '{"keys":[null]}',
  '{"keys":{}}',
  '<html><body>Sign in</body></html>',
  '',
]

eachLayer(
  TOKEN_LAYERS,
  '#54 200 with {, null, {}, keys null/[null]/{}, an HTML login page → invalid; LKG kept',
  async (layer) => {
    const t = await makeTarget(layer, world())
    await t.warm()
    for (const body of BAD_BODIES) await expectLastKnownGood(t, world(), body)
    const cold = await makeTarget(layer, world())
    world().idp.serveJwks('<html><body>Sign in</body></html>')
    expectRejected(await cold.send({ token: await world().idp.sign() }), 'R503', 'ERR_JWKS_UNAVAILABLE')
  },
)

eachLayer(
  TOKEN_LAYERS,
  '#55 200 {"keys":[]} or no usable signing key → a failure (LKG + alert), not "every token invalid"',
  async (layer) => {
    const { idp } = world()
    const [rsa] = idp.publicJwks().keys
    const unusable = JSON.stringify({
      keys: [
        { ...rsa, use: 'enc' },
        { kty: 'oct', k: 'c2VjcmV0' },
      ],
    })
    const t = await makeTarget(layer, world())
    await t.warm()
    for (const body of ['{"keys":[]}', unusable]) await expectLastKnownGood(t, world(), body)
    expect(failed(t).map((e) => (e as { reason: string }).reason)).toContain(
      'JWK Set has no usable signing key',
    )
    for (const body of ['{"keys":[]}', unusable]) {
      idp.serveJwks(body)
      const cold = await makeTarget(layer, world())
      expectRejected(await cold.send({ token: await idp.sign() }), 'R503', 'ERR_JWKS_UNAVAILABLE')
    }
  },
)

/** A JWKS-looking body of `total` bytes, generated on demand; `pulled` says how much was read. */
function countedBody(total: number) {
  const meter = { pulled: 0 }
  const chunk = new Uint8Array(64 * 1024).fill(0x41)
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (meter.pulled >= total) return controller.close()
      controller.enqueue(meter.pulled === 0 ? new TextEncoder().encode('{"keys":[{"n":"') : chunk)
      meter.pulled += meter.pulled === 0 ? 15 : chunk.length
    },
  })
  return { meter, response: new Response(body, { headers: { 'content-type': 'application/json' } }) }
}

eachLayer(
  TOKEN_LAYERS,
  '#56 a 50 MB body and an endless stream → read stops at 256 KiB; LKG; 10,000 keys refused',
  async (layer) => {
    const { idp } = world()
    const t = await makeTarget(layer, world())
    await t.warm()
    for (const total of [50 * 1024 * 1024, Number.MAX_SAFE_INTEGER]) {
      const { meter, response } = countedBody(total)
      world().intercept = (url) => (url === idp.jwksUri ? response : undefined)
      world().clock.advance(EXPIRE)
      expectAccepted(await t.send({ token: await idp.sign() }))
      await t.settle()
      expect(failed(t).at(-1)).toMatchObject({ reason: 'body over 262144 bytes' })
      // The cap holds while streaming: at most one chunk past it was ever produced.
      expect(meter.pulled).toBeLessThanOrEqual(256 * 1024 + 64 * 1024 * 2)
      world().intercept = undefined
    }
    for (const declareLength of [true, false]) {
      await expectLastKnownGood(t, world(), { kind: 'huge', bytes: 50 * 1024 * 1024, declareLength })
    }
    const [rsa] = idp.publicJwks().keys
    const manyKeys = JSON.stringify({
      keys: Array.from({ length: 10_000 }, (_, i) => ({ ...rsa, kid: `k${i}` })),
    })
    await expectLastKnownGood(t, world(), manyKeys)
  },
)

eachLayer(
  CONFIGURABLE_LAYERS,
  '#56 10,000 keys under a raised byte cap → refused by the key cap (100); LKG',
  async (layer) => {
    const { idp } = world()
    const [rsa] = idp.publicJwks().keys
    const t = await makeTarget(layer, world(), { maxBodyBytes: 16 * 1024 * 1024 })
    await t.warm()
    const small = { kty: 'EC', crv: 'P-256', x: rsa?.n?.slice(0, 43), y: rsa?.n?.slice(43, 86) }
    await expectLastKnownGood(
      t,
      world(),
      JSON.stringify({ keys: Array.from({ length: 10_000 }, (_, i) => ({ ...small, kid: `k${i}` })) }),
    )
    expect(failed(t).at(-1)).toMatchObject({ reason: 'more than 100 keys' })
  },
)

eachLayer(TOKEN_LAYERS, '#56 a 16384-bit modulus under the kid → R401, bounded work', async (layer) => {
  const { idp } = world()
  const [rsa] = idp.publicJwks().keys
  const n = new Uint8Array(2048).fill(0xc7)
  idp.serveJwks({ keys: [{ ...rsa, n: base64url.encode(n) }] })
  const t = await makeTarget(layer, world())
  const started = performance.now()
  expectRejected(await t.send({ token: await idp.sign() }), 'R401', [
    'ERR_SIGNATURE_INVALID',
    'ERR_KEY_UNUSABLE',
  ])
  expect(performance.now() - started).toBeLessThan(500)
})

eachLayer(
  TOKEN_LAYERS,
  '#57 301/302/307/308 to another host or to http:// → not followed (redirect: manual); R503 cold',
  async (layer) => {
    const { idp } = world()
    for (const status of [301, 302, 307, 308] as const) {
      for (const location of [
        'https://attacker.example/jwks.json',
        'http://issuer.test/.well-known/jwks.json',
      ]) {
        world().reset()
        idp.fail({ kind: 'redirect', location, status })
        const t = await makeTarget(layer, world())
        expectRejected(await t.send({ token: await idp.sign() }), 'R503', 'ERR_JWKS_UNAVAILABLE')
        expect(world().requests.map((r) => [r.url, r.redirect])).toEqual([
          [`${idp.issuer}/.well-known/openid-configuration`, 'manual'],
          [idp.jwksUri, 'manual'],
        ])
        expectFetches(world(), { discovery: 1, jwks: 1 })
      }
    }
    expectFetches(world(), { discovery: 1, jwks: 1 })
    expect(NF).toEqual({ discovery: 0, jwks: 0 })
  },
)
