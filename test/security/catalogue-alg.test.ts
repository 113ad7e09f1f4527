import { base64url, exportSPKI, importJWK, type JWK } from 'jose'
import { expect } from 'vitest'
import { expectAccepted, expectFetches, expectRejected, NF } from './support/expect.js'
import { claims, forge, hmacToken, signRaw } from './support/forge.js'
import { CONFIGURABLE_LAYERS, makeTarget, TOKEN_LAYERS } from './support/layers.js'
import { eachLayer, useWorld } from './support/suite.js'

// docs/SECURITY.md row 1–8 (alg): the allow-list comes from configuration only and is checked before
// any key is looked up, so none of these tokens costs a fetch.
const world = useWorld({ algorithms: ['RS256', 'ES256', 'PS256'] })

const HMAC_SECRET = 'a-32-byte-long-secret-for-hs256!'
const keyOf = (alg: string): JWK => {
  const jwk = world()
    .idp.publicJwks()
    .keys.find((k) => k.alg === alg)
  if (jwk === undefined) throw new Error(`no ${alg} key`)
  return jwk
}
const withoutAlg = ({ alg: _alg, ...rest }: JWK): JWK => rest

eachLayer(
  TOKEN_LAYERS,
  '#1 alg "none" with valid claims, signature empty (h.p.) or random → R401, NF',
  async (layer) => {
    const { idp, clock } = world()
    const t = await makeTarget(layer, world())
    const payload = claims(idp, clock.now())
    for (const header of [{ alg: 'none' }, { alg: 'none', kid: keyOf('RS256').kid }]) {
      expectRejected(await t.send({ token: forge(header, payload, '') }), 'R401', 'ERR_TOKEN_MALFORMED')
      expectRejected(await t.send({ token: forge(header, payload) }), 'R401', 'ERR_ALG_NOT_ALLOWED')
    }
    expectFetches(world(), NF)
  },
)

eachLayer(TOKEN_LAYERS, '#2 alg None/NONE/nOnE, with and without a real kid → R401, NF', async (layer) => {
  const { idp, clock } = world()
  const t = await makeTarget(layer, world())
  for (const alg of ['None', 'NONE', 'nOnE']) {
    for (const kid of [undefined, keyOf('RS256').kid]) {
      const token = forge({ alg, ...(kid === undefined ? {} : { kid }) }, claims(idp, clock.now()))
      expectRejected(await t.send({ token }), 'R401', 'ERR_ALG_NOT_ALLOWED')
    }
  }
  expectFetches(world(), NF)
})

/** The RSA public key in every form an HS256 confusion attack has used as the HMAC secret. */
async function rsaPublicKeyForms(): Promise<[string, Uint8Array][]> {
  const jwk = keyOf('RS256')
  const key = (await importJWK(jwk, 'RS256', { extractable: true })) as CryptoKey
  const pem = await exportSPKI(key)
  const body = pem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, '')
  const der = Uint8Array.from(atob(body), (c) => c.charCodeAt(0))
  const text = (s: string) => new TextEncoder().encode(s)
  return [
    ['SPKI PEM text', text(pem)],
    ['PEM with a leading newline', text(`\n${pem}`)],
    ['PEM with a leading space', text(` ${pem}`)],
    ['PEM without its final newline', text(pem.trimEnd())],
    ['SPKI DER bytes', der],
    ['the JWK as a JSON string', text(JSON.stringify(jwk))],
  ]
}

eachLayer(
  TOKEN_LAYERS,
  '#3 HS256 with the real RSA kid, HMAC-keyed with the RSA public key (PEM, DER, JWK) → R401, NF',
  async (layer) => {
    const { idp, clock } = world()
    const t = await makeTarget(layer, world())
    const payload = claims(idp, clock.now())
    for (const [form, secret] of await rsaPublicKeyForms()) {
      const token = await hmacToken({ kid: keyOf('RS256').kid, typ: 'JWT' }, payload, secret)
      expect(form).toBeTruthy()
      expectRejected(await t.send({ token }), 'R401', 'ERR_ALG_NOT_ALLOWED')
    }
    expectFetches(world(), NF)
  },
)

eachLayer(
  CONFIGURABLE_LAYERS,
  '#3 HS256 allowed with a local secret: an RSA kid never finds an HMAC key → R401, NF',
  async (layer) => {
    const { idp, clock } = world()
    const t = await makeTarget(layer, world(), {
      algorithms: ['RS256', 'HS256'],
      issuers: [
        {
          issuer: idp.issuer,
          jwksUri: idp.jwksUri,
          secrets: [{ alg: 'HS256', kid: 'svc', secret: HMAC_SECRET }],
        },
      ],
    })
    const payload = claims(idp, clock.now())
    for (const [, secret] of await rsaPublicKeyForms()) {
      const token = await hmacToken({ kid: keyOf('RS256').kid }, payload, secret)
      expectRejected(await t.send({ token }), 'R401', 'ERR_KEY_NOT_FOUND')
    }
    expectFetches(world(), NF)
    // The same middleware accepts its real HMAC secret and the issuer's RSA tokens.
    const own = await hmacToken({ kid: 'svc' }, payload, new TextEncoder().encode(HMAC_SECRET))
    expectAccepted(await t.send({ token: own }))
    expectAccepted(await t.send({ token: await idp.sign() }))
  },
)

eachLayer(TOKEN_LAYERS, '#4 HS256 keyed with a published EC x‖y or RSA n → R401, NF', async (layer) => {
  const { idp, clock } = world()
  const t = await makeTarget(layer, world())
  const ec = keyOf('ES256')
  const rsa = keyOf('RS256')
  const xy = new Uint8Array([...base64url.decode(ec.x ?? ''), ...base64url.decode(ec.y ?? '')])
  for (const [kid, secret] of [
    [ec.kid, xy],
    [rsa.kid, base64url.decode(rsa.n ?? '')],
  ] as const) {
    const token = await hmacToken({ kid }, claims(idp, clock.now()), secret)
    expectRejected(await t.send({ token }), 'R401', 'ERR_ALG_NOT_ALLOWED')
  }
  expectFetches(world(), NF)
})

eachLayer(
  TOKEN_LAYERS,
  '#5 alg-less JWK (Entra/Google style), PS256 token while only RS256 is configured → R401, NF',
  async (layer) => {
    const { idp } = world()
    idp.serveJwks({ keys: idp.publicJwks().keys.map(withoutAlg) })
    const t = await makeTarget(layer, world(), { algorithms: ['RS256'] })
    const ps256 = await idp.sign({}, { alg: 'PS256' })
    expectRejected(await t.send({ token: ps256 }), 'R401', 'ERR_ALG_NOT_ALLOWED')
    expectFetches(world(), NF)
    // The key itself would verify PS256: only the configuration keeps it out.
    const allowing = await makeTarget(layer, world(), { algorithms: ['PS256'] })
    expectAccepted(await allowing.send({ token: ps256 }))
  },
)

eachLayer(
  TOKEN_LAYERS,
  '#6 JWK alg RS512, RS256 token with the same kid → R401, one refetch then cooldown',
  async (layer) => {
    const { idp } = world()
    const relabelled = idp.publicJwks().keys.map((k) => (k.alg === 'RS256' ? { ...k, alg: 'RS512' } : k))
    idp.serveJwks({ keys: relabelled })
    const t = await makeTarget(layer, world())
    await t.warm(await idp.sign({}, { alg: 'ES256' }))
    const rs256 = await idp.sign({}, { alg: 'RS256' })
    expectRejected(await t.send({ token: rs256 }), 'R401', 'ERR_KEY_NOT_FOUND')
    // The miss spends the refetch budget once (the set did not change), then the cooldown holds.
    expectFetches(world(), { jwks: 1 })
    expectRejected(
      await t.send({ token: await idp.sign({ sub: 'again' }, { alg: 'RS256' }) }),
      'R401',
      'ERR_KEY_NOT_FOUND',
    )
    expectFetches(world(), { jwks: 1 })
  },
)

eachLayer(TOKEN_LAYERS, '#7 alg missing, 123, ["RS256"] or "" → R401, NF', async (layer) => {
  const { idp, clock } = world()
  const t = await makeTarget(layer, world())
  const kid = keyOf('RS256').kid
  for (const alg of [undefined, 123, ['RS256'], '']) {
    const header = alg === undefined ? { kid } : { alg, kid }
    expectRejected(
      await t.send({ token: forge(header, claims(idp, clock.now())) }),
      'R401',
      'ERR_HEADER_INVALID',
    )
  }
  // Also with a real RS256 signature over the alg-less header.
  const signed = await signRaw(idp, 'RS256', { kid }, claims(idp, clock.now()))
  expectRejected(await t.send({ token: signed }), 'R401', 'ERR_HEADER_INVALID')
  expectFetches(world(), NF)
})

const OCT = { kty: 'oct', kid: 'k1', k: base64url.encode(new TextEncoder().encode(HMAC_SECRET)) }

eachLayer(
  TOKEN_LAYERS,
  '#8 JWKS with an oct key k1; HS256 token kid k1 signed with k → R401, NF; key ignored',
  async (layer) => {
    const { idp, clock } = world()
    idp.serveJwks({ keys: [...idp.publicJwks().keys, OCT] })
    const t = await makeTarget(layer, world())
    const token = await hmacToken(
      { kid: 'k1' },
      claims(idp, clock.now()),
      new TextEncoder().encode(HMAC_SECRET),
    )
    expectRejected(await t.send({ token }), 'R401', 'ERR_ALG_NOT_ALLOWED')
    expectFetches(world(), NF)
    // Loading the set reports the oct key as ignored; it never becomes a verification key.
    await t.send({ token: await idp.sign() })
    expect(t.events).toContainEqual({
      type: 'key_ignored',
      issuer: idp.issuer,
      kid: 'k1',
      reason: 'symmetric',
    })
    expectRejected(await t.send({ token }), 'R401', 'ERR_ALG_NOT_ALLOWED')
  },
)

eachLayer(
  CONFIGURABLE_LAYERS,
  '#8 HS256 allowed (local secret): the JWKS oct key k1 is still never used → R401',
  async (layer) => {
    const { idp, clock } = world()
    idp.serveJwks({ keys: [...idp.publicJwks().keys, OCT] })
    const t = await makeTarget(layer, world(), {
      algorithms: ['RS256', 'HS256'],
      issuers: [
        {
          issuer: idp.issuer,
          jwksUri: idp.jwksUri,
          secrets: [{ alg: 'HS256', kid: 'svc', secret: 'x'.repeat(32) }],
        },
      ],
    })
    await t.warm()
    const token = await hmacToken(
      { kid: 'k1' },
      claims(idp, clock.now()),
      new TextEncoder().encode(HMAC_SECRET),
    )
    expectRejected(await t.send({ token }), 'R401', 'ERR_KEY_NOT_FOUND')
    expectFetches(world(), NF)
  },
)

eachLayer(['gateway'], '#8 the re-served JWKS never carries the oct key (nor any k)', async (layer) => {
  const { idp } = world()
  idp.serveJwks({ keys: [...idp.publicJwks().keys, OCT] })
  const t = await makeTarget(layer, world())
  const published = await t.send({ path: '/.well-known/jwks.json' })
  expect(published.status).toBe(200)
  expect(published.contentType).toBe('application/jwk-set+json')
  const { keys } = JSON.parse(published.body) as { keys: Record<string, unknown>[] }
  expect(keys.map((k) => k.kid).sort()).toEqual(idp.keys.map((k) => k.kid).sort())
  expect(keys.some((k) => k.kty === 'oct' || 'k' in k)).toBe(false)
  expect(published.body).not.toContain(OCT.k)
})
