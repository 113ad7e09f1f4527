import fc from 'fast-check'
import { base64url, type JWK } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createVerifier, JwtAuthError } from '../../src/index.js'
import { extractToken } from '../../src/middleware/extract-token.js'
import { b64, b64json, parts } from './support/forge.js'
import { closeTargets, IN_WORKERD, makeTarget, type Target } from './support/layers.js'
import { captureUnhandled } from './support/unhandled.js'
import { createWorld, type World } from './support/world.js'

/**
 * Hostile input, generated: whatever a client sends, the middleware answers 400 or 401 (never
 * 200, never 500, no unhandled rejection); whatever an issuer serves, a good key set is never
 * traded for an unusable one; the extractor throws nothing but JwtAuthError. Runs per property
 * are in {@link RUNS} (Node; workerd runs a fifth as many, its crypto is slower per call).
 */
const RUNS = { tokens: 1_500, jwks: 1_000, extractor: 5_000, verifier: 2_000 } as const
const runs = (n: number) => (IN_WORKERD ? Math.ceil(n / 5) : n)

let world: World
let hono: Target
let good: string
let goodKey: JWK

beforeAll(async () => {
  world = await createWorld({ algorithms: ['RS256', 'ES256'] })
  hono = await makeTarget('hono', world)
  good = await world.idp.sign({ scope: 'read' }, { expiresInSeconds: 10 * 365 * 24 * 3600 })
  await hono.warm(good)
  goodKey = world.idp.publicJwks().keys[0] as JWK
})
afterAll(closeTargets)

/** What an HTTP client can put in a header at all (fetch refuses the rest before we see it). */
const sendable = (token: string) => /^[\t\x20-\x7e\x80-\xff]*$/.test(token)

const decode = (segment: string) => base64url.decode(segment)
const json = (segment: string) =>
  JSON.parse(new TextDecoder().decode(decode(segment))) as Record<string, unknown>

const HEADER_KEYS = [
  'alg',
  'kid',
  'typ',
  'cty',
  'crit',
  'b64',
  'zip',
  'jku',
  'jwk',
  'x5u',
  'x5c',
  'enc',
  'p2c',
]
const CLAIM_KEYS = [
  'iss',
  'aud',
  'exp',
  'nbf',
  'iat',
  'sub',
  'scope',
  'scp',
  'jti',
  '__proto__',
  'constructor',
]

/** Token generators over one good token: each family of docs/SECURITY.md's hostile inputs. */
function families() {
  const [h, p, s] = parts(good)
  const segments = [h, p, s]
  const flip = fc.record({
    segment: fc.integer({ min: 0, max: 2 }),
    index: fc.nat(),
    bit: fc.integer({ min: 0, max: 7 }),
  })
  const bitFlips = fc.array(flip, { minLength: 1, maxLength: 4 }).map((flips) => {
    const bytes = segments.map(decode)
    for (const { segment, index, bit } of flips) {
      const target = bytes[segment] as Uint8Array
      const at = index % target.length
      target[at] = (target[at] ?? 0) ^ (1 << bit)
    }
    return bytes.map((b) => base64url.encode(b)).join('.')
  })
  const shuffles = fc
    .array(fc.constantFrom(h, p, s, '', 'e30', `${h}${p}`, s.slice(1)), { minLength: 1, maxLength: 6 })
    .map((pieces) => pieces.join('.'))
  const edits = (keys: string[]) =>
    fc.array(
      fc.tuple(
        fc.oneof(fc.constantFrom(...keys), fc.string({ maxLength: 6 })),
        fc.option(fc.jsonValue({ maxDepth: 3 })),
      ),
      {
        minLength: 1,
        maxLength: 4,
      },
    )
  const edited = (segment: string, changes: [string, unknown][]) => {
    const entries = new Map(Object.entries(json(segment)))
    for (const [key, value] of changes) value === null ? entries.delete(key) : entries.set(key, value)
    return b64json(Object.fromEntries(entries))
  }
  const signature = fc.constantFrom(s, '', 'c2ln', b64(new Uint8Array(256)), s.split('').reverse().join(''))
  const jsonMutations = fc
    .tuple(edits(HEADER_KEYS), edits(CLAIM_KEYS), fc.boolean(), fc.boolean(), signature)
    .map(([he, pe, editHeader, editPayload, sig]) =>
      [editHeader ? edited(h, he) : h, editPayload || !editHeader ? edited(p, pe) : p, sig].join('.'),
    )
  const headers = fc
    .record(
      {
        alg: fc.constantFrom(
          'none',
          'None',
          'nOnE',
          'HS256',
          'RS256',
          'ES256',
          'PS256',
          'EdDSA',
          '',
          123,
          null,
          ['RS256'],
        ),
        kid: fc.constantFrom(
          goodKey.kid,
          'unknown',
          '__proto__',
          'constructor',
          '../../dev/null',
          1,
          null,
          {},
          'k'.repeat(300),
        ),
        typ: fc.constantFrom('JWT', 'at+jwt', 'application/at+jwt', 5),
        cty: fc.constantFrom('JWT', 'json'),
        crit: fc.constantFrom([], ['exp'], ['b64'], 'x', [1]),
        b64: fc.boolean(),
        jwk: fc.constant(goodKey),
        jku: fc.constantFrom('https://attacker.example/jwks.json', 'http://169.254.169.254/'),
      },
      { requiredKeys: [] },
    )
    .chain((header) => signature.map((sig) => `${b64json(header)}.${p}.${sig}`))
  const arbitrary = fc.oneof(
    fc.string({ maxLength: 400 }),
    fc.stringMatching(/^[A-Za-z0-9_-]{0,60}(\.[A-Za-z0-9_=+/ -]{0,60}){0,5}$/),
    fc.string({ unit: 'binary-ascii', maxLength: 200 }),
  )
  const characterEdits = fc
    .array(fc.tuple(fc.nat(), fc.constantFrom(...'AQgw_-.=+/ %~#?,;"\\'.split(''))), {
      minLength: 1,
      maxLength: 3,
    })
    .map((changes) => {
      const chars = good.split('')
      for (const [index, char] of changes) chars[index % chars.length] = char
      return chars.join('')
    })
  return { bitFlips, shuffles, jsonMutations, headers, arbitrary, characterEdits }
}

describe('properties: hostile tokens through the Hono middleware (app.request)', () => {
  for (const name of [
    'bitFlips',
    'shuffles',
    'jsonMutations',
    'headers',
    'arbitrary',
    'characterEdits',
  ] as const) {
    it(`${name}: only 400 or 401, never the handler, never a 500, no unhandled rejection`, async () => {
      const unhandled = captureUnhandled()
      const statuses = new Set<number>()
      await fc.assert(
        fc.asyncProperty(families()[name], async (token) => {
          fc.pre(token !== good && sendable(token))
          const probe = await hono.send({ headers: [['authorization', `Bearer ${token}`]] })
          statuses.add(probe.status)
          expect([400, 401], `${probe.status} ${probe.code}`).toContain(probe.status)
          expect(probe.reached).toBe(false)
        }),
        { numRuns: runs(RUNS.tokens) },
      )
      expect(await unhandled.stop()).toEqual([])
      // The good token still passes: no hostile input poisoned the cache.
      expect((await hono.send({ token: good })).status).toBe(200)
      expect([...statuses].every((status) => status === 400 || status === 401)).toBe(true)
    })
  }
})

/**
 * Bodies an issuer might serve: garbage, near-JWKS shapes, and the real set with junk added. A
 * well-formed set that drops the known kid is a real removal (row 65), so it is not generated.
 */
function jwksBodies() {
  const otherKid = fc.string({ maxLength: 12 }).map((kid) => `junk-${kid}`)
  const junkMember = fc.tuple(
    fc.constantFrom('kty', 'n', 'e', 'alg', 'use', 'key_ops', 'crv', 'x', 'kid', 'd', 'k'),
    fc.jsonValue({ maxDepth: 2 }),
  )
  const junkKey = fc.tuple(otherKid, fc.array(junkMember, { maxLength: 4 })).map(([kid, members]) => {
    const key: Record<string, unknown> = { ...goodKey, kid }
    for (const [member, value] of members) key[member] = member === 'kid' ? kid : value
    return key
  })
  const withGood = fc
    .array(fc.oneof(junkKey, fc.jsonValue({ maxDepth: 2 })), { maxLength: 6 })
    .chain((junk) =>
      fc
        .nat({ max: junk.length })
        .map((at) => JSON.stringify({ keys: [...junk.slice(0, at), goodKey, ...junk.slice(at)] })),
    )
  return fc.oneof(
    fc.json({ maxDepth: 4 }),
    fc.string({ maxLength: 200 }),
    fc.jsonValue({ maxDepth: 3 }).map((keys) => JSON.stringify({ keys })),
    fc.array(fc.jsonValue({ maxDepth: 2 }), { maxLength: 8 }).map((keys) => JSON.stringify({ keys })),
    // Real keys without the known one would be a legitimate removal; with a private member
    // anywhere the whole set is refused, whatever else it holds.
    fc
      .array(junkKey, { maxLength: 6 })
      .map((keys) => JSON.stringify({ keys: [...keys, goodKey, { ...goodKey, kid: 'leak', d: 'AQAB' }] })),
    withGood,
    fc.constantFrom('', '{"keys":[]}', JSON.stringify({ keys: Array.from({ length: 101 }, () => goodKey) })),
  )
}

describe('properties: hostile JWKS bodies never crash the cache nor replace a good set', () => {
  it('a known good token keeps verifying after each bad refresh (ahead and after expiry)', async () => {
    const unhandled = captureUnhandled()
    const goodBody = JSON.stringify({ keys: [goodKey] })
    await fc.assert(
      fc.asyncProperty(jwksBodies(), async (body) => {
        let served = goodBody
        let now = world.clock.now()
        const pending: Promise<unknown>[] = []
        const verifier = createVerifier({
          issuer: world.idp.issuer,
          audience: world.idp.audience,
          jwksUri: world.idp.jwksUri,
          fetch: (async () =>
            new Response(served, { headers: { 'cache-control': 'max-age=600' } })) as typeof fetch,
          now: () => now,
          tokenCacheSize: 0,
          waitUntil: (promise) => void pending.push(promise),
        })
        await verifier.verify(good)
        served = body
        // 9 min: a refresh ahead of expiry; 11 min: expired, the refresh is what serves.
        for (const advance of [9 * 60_000, 2 * 60_000]) {
          now += advance
          await verifier.verify(good)
          await Promise.all(pending.splice(0))
          await verifier.verify(good)
        }
      }),
      { numRuns: runs(RUNS.jwks) },
    )
    expect(await unhandled.stop()).toEqual([])
  })
})

describe('properties: the extractor and the verifier are total', () => {
  it('extractToken throws nothing but JwtAuthError ERR_REQUEST_INVALID, whatever the carriers', () => {
    const text = fc.oneof(
      fc.string({ unit: 'grapheme', maxLength: 60 }),
      fc.string({ maxLength: 60 }).map((s) => `Bearer ${s}`),
    )
    const carriers = fc.record({
      authorization: fc.array(text, { maxLength: 3 }),
      cookie: fc.array(
        fc.oneof(
          text,
          fc.string({ maxLength: 40 }).map((s) => `session=${s}; access_token=${s}`),
        ),
        { maxLength: 3 },
      ),
      query: fc.oneof(
        text,
        fc.string({ maxLength: 40 }).map((s) => `?access_token=${s}&access_token=%${s}`),
      ),
    })
    const sources = fc.record({
      cookie: fc.constantFrom(undefined, 'session', 'access_token'),
      query: fc.boolean(),
    })
    fc.assert(
      fc.property(carriers, sources, (input, source) => {
        try {
          const token = extractToken(input, source)
          if (token !== undefined) expect(token).not.toBe('')
        } catch (error) {
          expect(error).toBeInstanceOf(JwtAuthError)
          expect((error as JwtAuthError).code).toBe('ERR_REQUEST_INVALID')
        }
      }),
      { numRuns: runs(RUNS.extractor) },
    )
  })

  it('verify(anything) rejects with a JwtAuthError and never fetches for garbage', async () => {
    const before = world.counts()
    const verifier = createVerifier({
      issuer: world.idp.issuer,
      audience: world.idp.audience,
      fetch: world.fetch,
      now: world.clock.now,
    })
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.anything(), fc.string()), async (input) => {
        const error = await verifier.verify(input as string).catch((e: unknown) => e)
        expect(error).toBeInstanceOf(JwtAuthError)
      }),
      { numRuns: runs(RUNS.verifier) },
    )
    expect(world.counts()).toEqual(before)
  })
})
