import { expect } from 'vitest'
import { createTestIssuer, type TestIssuer } from '../../src/testing/index.js'
import { expectAccepted, expectFetches, expectRejected, NF } from './support/expect.js'
import { b64, b64json, claims, forge, hmacToken, privateJwk, signInput, signRaw } from './support/forge.js'
import { makeTarget, TOKEN_LAYERS } from './support/layers.js'
import { eachLayer, useWorld } from './support/suite.js'
import { selfSignedCertificate } from './support/x509.js'

// docs/SECURITY.md row 9–16 (hdr): header members never find or fetch keys; kid is an opaque string.
const world = useWorld({ algorithms: ['RS256', 'ES256'] })

let attackerIssuer: Promise<TestIssuer> | undefined
/** Someone with a key pair of their own, claiming to be our issuer. */
const attacker = () => {
  const { idp, clock } = world()
  attackerIssuer ??= createTestIssuer({ issuer: idp.issuer, audience: idp.audience, now: () => clock.now() })
  return attackerIssuer
}
const realKid = () => world().idp.keys.find((k) => k.alg === 'RS256')?.kid ?? ''

eachLayer(
  TOKEN_LAYERS,
  '#9 embedded jwk header = attacker key, signed with it, kid real or absent → R401, NF',
  async (layer) => {
    const evil = await attacker()
    const t = await makeTarget(layer, world())
    await t.warm()
    const jwk = evil.publicJwks().keys[0]
    for (const kid of [realKid(), null]) {
      const token = await evil.sign({ sub: 'admin' }, { kid, header: { jwk } })
      expectRejected(await t.send({ token }), 'R401', 'ERR_SIGNATURE_INVALID')
    }
    expectFetches(world(), NF)
  },
)

eachLayer(
  TOKEN_LAYERS,
  '#10 jku/x5u to attacker.example or 169.254.169.254 → R401; zero fetches to header URLs',
  async (layer) => {
    const { idp } = world()
    const evil = await attacker()
    const t = await makeTarget(layer, world())
    await t.warm()
    const header = {
      jku: 'https://attacker.example/jwks.json',
      x5u: 'http://169.254.169.254/latest/meta-data/',
    }
    const forgedReal = await evil.sign({ sub: 'admin' }, { kid: realKid(), header })
    expectRejected(await t.send({ token: forgedReal }), 'R401', 'ERR_SIGNATURE_INVALID')
    expectFetches(world(), NF)
    // A kid only the attacker's set has: one refetch of the configured JWKS, nothing else.
    const forgedOwn = await evil.sign({ sub: 'admin' }, { header })
    expectRejected(await t.send({ token: forgedOwn }), 'R401', 'ERR_KEY_NOT_FOUND')
    expectFetches(world(), { jwks: 1 })
    expect(world().requests.map((r) => r.url)).toEqual([idp.jwksUri])
    // The issuer's own token with the same headers verifies with the configured keys only.
    expectAccepted(await t.send({ token: await idp.sign({}, { header }) }))
    expect(world().requests.every((r) => r.url.startsWith(idp.issuer))).toBe(true)
  },
)

eachLayer(
  TOKEN_LAYERS,
  '#11 x5c self-signed certificate of the signing key → ignored, R401',
  async (layer) => {
    const evil = await attacker()
    const certificate = await selfSignedCertificate(privateJwk(evil, 'RS256'), 'issuer.test')
    const t = await makeTarget(layer, world())
    await t.warm()
    for (const kid of [realKid(), null]) {
      const token = await evil.sign({ sub: 'admin' }, { kid, header: { x5c: [certificate] } })
      expectRejected(await t.send({ token }), 'R401', 'ERR_SIGNATURE_INVALID')
    }
    expectFetches(world(), NF)
  },
)

const HOSTILE_KIDS = [
  '../../../../dev/null',
  "' UNION SELECT 'k'--",
  '|id',
  'kid\r\nX-Injected: 1',
  'a\u0000b',
]

eachLayer(
  TOKEN_LAYERS,
  '#12 kid traversal, SQL, |id, CR/LF: HS256 with the empty key → R401, NF',
  async (layer) => {
    const { idp, clock } = world()
    const t = await makeTarget(layer, world())
    // HMAC pads the key with zeros to its block size: 64 zero bytes is the empty key.
    const emptyKey = new Uint8Array(64)
    for (const kid of HOSTILE_KIDS) {
      const token = await hmacToken({ kid }, claims(idp, clock.now()), emptyKey)
      expectRejected(await t.send({ token }), 'R401', 'ERR_ALG_NOT_ALLOWED')
    }
    expectFetches(world(), NF)
  },
)

eachLayer(
  TOKEN_LAYERS,
  '#12 kid traversal, SQL, |id, CR/LF, 10 KB: opaque exact match → R401; events escaped and truncated',
  async (layer) => {
    const { idp } = world()
    const t = await makeTarget(layer, world())
    await t.warm()
    for (const kid of HOSTILE_KIDS) {
      expectRejected(await t.send({ token: await idp.sign({}, { kid }) }), 'R401', 'ERR_KEY_NOT_FOUND')
    }
    // One refetch for the first unknown kid, then the cooldown: no fetch per hostile kid.
    expectFetches(world(), { jwks: 1 })
    const long = await idp.sign({}, { kid: 'k'.repeat(10_000) })
    expectRejected(await t.send({ token: long }), 'R401', 'ERR_HEADER_INVALID')
    expectFetches(world(), { jwks: 1 })
    const kids = t.events.flatMap((e) => ('kid' in e && e.kid !== undefined ? [e.kid] : []))
    expect(kids.length).toBeGreaterThanOrEqual(HOSTILE_KIDS.length)
    for (const kid of kids) {
      expect(kid.length).toBeLessThanOrEqual(64 * 6)
      // biome-ignore lint/suspicious/noControlCharactersInRegex: finding them is the point
      expect(kid).not.toMatch(/[\u0000-\u001f\u007f]/)
    }
    expect(kids).toContain('kid\\u000d\\u000aX-Injected: 1')
  },
)

eachLayer(
  TOKEN_LAYERS,
  '#13 kid __proto__, constructor, toString → R401, never a 500 or a prototype hit',
  async (layer) => {
    const { idp } = world()
    const t = await makeTarget(layer, world())
    await t.warm()
    for (const kid of ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf']) {
      expectRejected(await t.send({ token: await idp.sign({}, { kid }) }), 'R401', 'ERR_KEY_NOT_FOUND')
    }
    expectFetches(world(), { jwks: 1 })
  },
)

eachLayer(TOKEN_LAYERS, '#13 a JWKS key named __proto__ verifies exactly its own tokens', async (layer) => {
  const { idp } = world()
  const rsa = idp.publicJwks().keys.find((k) => k.alg === 'RS256')
  idp.serveJwks({ keys: [{ ...rsa, kid: '__proto__' }] })
  const t = await makeTarget(layer, world())
  expectAccepted(await t.send({ token: await idp.sign({}, { kid: '__proto__' }) }))
  expectRejected(
    await t.send({ token: await idp.sign({}, { kid: 'constructor' }) }),
    'R401',
    'ERR_KEY_NOT_FOUND',
  )
})

eachLayer(TOKEN_LAYERS, '#14 kid 1, null or {} → R401, NF', async (layer) => {
  const { idp, clock } = world()
  const t = await makeTarget(layer, world())
  for (const kid of [1, null, {}, ['k'], true]) {
    const token = await signRaw(idp, 'RS256', { alg: 'RS256', kid }, claims(idp, clock.now()))
    expectRejected(await t.send({ token }), 'R401', 'ERR_HEADER_INVALID')
  }
  expectFetches(world(), NF)
})

eachLayer(
  TOKEN_LAYERS,
  '#14 no kid while two keys fit the alg → R401 (never "try every key"), NF',
  async (layer) => {
    const { idp } = world()
    const other = (await attacker()).publicJwks().keys[0]
    idp.serveJwks({ keys: [...idp.publicJwks().keys, { ...other, kid: 'second-rsa' }] })
    const t = await makeTarget(layer, world())
    await t.warm()
    // Signed by one of the two candidates: still refused, whichever it is.
    const token = await idp.sign({}, { kid: null })
    expectRejected(await t.send({ token }), 'R401', 'ERR_KEY_AMBIGUOUS')
    expectFetches(world(), NF)
  },
)

eachLayer(
  TOKEN_LAYERS,
  '#15 crit ["x-ext"], [], ["alg"], and crit only in an unprotected header → R401, NF',
  async (layer) => {
    const { idp, clock } = world()
    const t = await makeTarget(layer, world())
    const payload = claims(idp, clock.now())
    for (const extra of [
      { crit: ['x-ext'], 'x-ext': true },
      { crit: [] },
      { crit: ['alg'] },
      { crit: 'x-ext' },
    ]) {
      const token = await signRaw(idp, 'RS256', { alg: 'RS256', kid: realKid(), ...extra }, payload)
      expectRejected(await t.send({ token }), 'R401', 'ERR_HEADER_INVALID')
    }
    // An unprotected header exists only in the JSON serialisation, which is refused whole.
    const [protectedB64, payloadB64, signature] = (await idp.sign()).split('.')
    const flattened = JSON.stringify({
      protected: protectedB64,
      header: { crit: ['x-ext'], 'x-ext': 1 },
      payload: payloadB64,
      signature,
    })
    // Through HTTP its commas read as several credentials: a 400 before any decoding.
    const json = await t.send({ token: flattened })
    if (layer === 'core') expectRejected(json, 'R401', 'ERR_TOKEN_MALFORMED')
    else expectRejected(json, 'R400', 'ERR_REQUEST_INVALID')
    expectRejected(await t.send({ token: b64(flattened) }), 'R401', 'ERR_TOKEN_MALFORMED')
    expectFetches(world(), NF)
  },
)

eachLayer(
  TOKEN_LAYERS,
  '#16 {b64:false, crit:["b64"]} unencoded payload (RFC 7797) → R401, NF',
  async (layer) => {
    const { idp, clock } = world()
    const t = await makeTarget(layer, world())
    const header = b64json({ alg: 'RS256', kid: realKid(), b64: false, crit: ['b64'] })
    // A JSON payload sent raw is outside the compact alphabet; a payload that happens to be in
    // it reaches the header rules.
    const jsonInput = `${header}.${JSON.stringify(claims(idp, clock.now()))}`
    const json = await t.send({ token: `${jsonInput}.${await signInput(idp, 'RS256', jsonInput)}` })
    // Through HTTP the raw JSON's commas read as several credentials: a 400 before decoding.
    if (layer === 'core') expectRejected(json, 'R401', 'ERR_TOKEN_MALFORMED')
    else expectRejected(json, 'R400', 'ERR_REQUEST_INVALID')
    const input = `${header}.adminPayload`
    const inAlphabet = `${input}.${await signInput(idp, 'RS256', input)}`
    expectRejected(await t.send({ token: inAlphabet }), 'R401', 'ERR_HEADER_INVALID')
    const detached = `${header}..${await signInput(idp, 'RS256', `${header}.x`)}`
    expectRejected(await t.send({ token: detached }), 'R401', 'ERR_TOKEN_MALFORMED')
    expectRejected(
      await t.send({ token: forge({ alg: 'RS256', b64: false }, {}) }),
      'R401',
      'ERR_HEADER_INVALID',
    )
    expectFetches(world(), NF)
  },
)
