import { base64url, exportJWK, type JWK } from 'jose'
import { expect } from 'vitest'
import { expectAccepted, expectFetches, expectRejected, NF } from './support/expect.js'
import { b64, b64json, claims } from './support/forge.js'
import { makeTarget, TOKEN_LAYERS } from './support/layers.js'
import {
  pkcs1Encode,
  publicHalf,
  rawSign,
  rocaPrivateJwk,
  SHA256_DIGEST_INFO,
  sha256,
} from './support/raw-rsa.js'
import { eachLayer, useWorld } from './support/suite.js'

// docs/SECURITY.md row 22–26 (key): a key the issuer publishes is used only if it is sound, meant for
// signatures, fits the token's alg and is the only one with its kid.
const world = useWorld({ algorithms: ['RS256', 'ES256', 'ES384', 'PS256'] })

const keyOf = (alg: string): JWK => {
  const jwk = world()
    .idp.publicJwks()
    .keys.find((k) => k.alg === alg)
  if (jwk === undefined) throw new Error(`no ${alg} key`)
  return jwk
}
const es256Token = () => world().idp.sign({}, { alg: 'ES256' })

/** A token "signed" by `jwk` through the raw private operation (or `em` itself when e = 1). */
async function rawToken(kid: string | undefined, sign: (em: Uint8Array) => Uint8Array) {
  const { idp, clock } = world()
  const input = `${b64json({ alg: 'RS256', kid })}.${b64json(claims(idp, clock.now(), { sub: 'admin' }))}`
  const em = pkcs1Encode(new Uint8Array([...SHA256_DIGEST_INFO, ...(await sha256(input))]), 256)
  return `${input}.${b64(sign(em))}`
}

eachLayer(
  TOKEN_LAYERS,
  '#22 RSA key with e = 1 (forgery: signature = the padded digest) or e = 2 → R401, NF',
  async (layer) => {
    const { idp } = world()
    const rsa = keyOf('RS256')
    for (const e of ['AQ', 'Ag']) {
      idp.serveJwks({ keys: [{ ...rsa, e }, keyOf('ES256')] })
      const t = await makeTarget(layer, world())
      await t.warm(await es256Token())
      // With e = 1, s^e mod n = s: anyone can "sign" by sending the encoded message itself.
      const forged = await rawToken(rsa.kid, (em) => em)
      expectRejected(await t.send({ token: forged }), 'R401', 'ERR_KEY_UNUSABLE')
      expectRejected(await t.send({ token: await idp.sign() }), 'R401', 'ERR_KEY_UNUSABLE')
      expectFetches(world(), NF)
    }
  },
)

eachLayer(
  TOKEN_LAYERS,
  '#22 a real 1024-bit RSA key, token truly signed with it → R401 (unusable, not a 500), NF',
  async (layer) => {
    const { idp, clock } = world()
    const pair = (await crypto.subtle.generateKey(
      {
        name: 'RSASSA-PKCS1-v1_5',
        modulusLength: 1024,
        publicExponent: new Uint8Array([1, 0, 1]),
        hash: 'SHA-256',
      },
      true,
      ['sign', 'verify'],
    )) as CryptoKeyPair
    const weak = { ...(await exportJWK(pair.publicKey)), kid: 'weak-1024', alg: 'RS256', use: 'sig' }
    idp.serveJwks({ keys: [weak, keyOf('ES256')] })
    const t = await makeTarget(layer, world())
    await t.warm(await es256Token())
    const input = `${b64json({ alg: 'RS256', kid: 'weak-1024' })}.${b64json(claims(idp, clock.now()))}`
    const signature = await crypto.subtle.sign(
      'RSASSA-PKCS1-v1_5',
      pair.privateKey,
      new TextEncoder().encode(input),
    )
    const token = `${input}.${b64(new Uint8Array(signature))}`
    expectRejected(await t.send({ token }), 'R401', 'ERR_KEY_UNUSABLE')
    expectFetches(world(), NF)
  },
)

let roca: JWK | undefined

eachLayer(
  TOKEN_LAYERS,
  '#22 a 2048-bit ROCA key (CVE-2017-15361), token truly signed with it → R401, NF',
  async (layer) => {
    const { idp } = world()
    roca ??= rocaPrivateJwk('roca-2048')
    const privateKey = roca
    expect(base64url.decode(privateKey.n ?? '').length).toBe(256)
    idp.serveJwks({ keys: [publicHalf(privateKey), keyOf('ES256')] })
    const t = await makeTarget(layer, world())
    await t.warm(await es256Token())
    const token = await rawToken('roca-2048', (em) => rawSign(privateKey, em))
    expectRejected(await t.send({ token }), 'R401', 'ERR_KEY_UNUSABLE')
    expectFetches(world(), NF)
  },
)

eachLayer(
  TOKEN_LAYERS,
  '#23 EC point not on the curve; a P-384 key under the ES256 kid; alg ES256 with crv P-521 → R401',
  async (layer) => {
    const { idp } = world()
    const ec = keyOf('ES256')
    const y = base64url.decode(ec.y ?? '')
    y[31] = (y[31] ?? 0) ^ 0x01
    idp.serveJwks({ keys: [{ ...ec, y: base64url.encode(y) }, keyOf('RS256')] })
    const offCurve = await makeTarget(layer, world())
    await offCurve.warm()
    expectRejected(await offCurve.send({ token: await es256Token() }), 'R401', 'ERR_KEY_UNUSABLE')
    expectFetches(world(), NF)

    const { alg: _alg, ...p384 } = keyOf('ES384')
    const p521 = { ...ec, kid: 'p521', crv: 'P-521' }
    idp.serveJwks({ keys: [{ ...p384, kid: ec.kid }, p521, keyOf('RS256')] })
    const t = await makeTarget(layer, world())
    await t.warm()
    expectRejected(await t.send({ token: await es256Token() }), 'R401', 'ERR_KEY_NOT_FOUND')
    expectFetches(world(), { jwks: 1 })
    const onP521 = await idp.sign({}, { alg: 'ES256', kid: 'p521' })
    expectRejected(await t.send({ token: onP521 }), 'R401', 'ERR_KEY_NOT_FOUND')
    expectFetches(world(), { jwks: 1 })
  },
)

eachLayer(
  TOKEN_LAYERS,
  '#24 a JWKS with private members is never imported: cold → R503 + alert; warm → LKG',
  async (layer) => {
    const { idp } = world()
    idp.serveJwks(idp.privateJwks())
    const cold = await makeTarget(layer, world())
    expectRejected(await cold.send({ token: await idp.sign() }), 'R503', 'ERR_JWKS_UNAVAILABLE')
    expect(cold.events).toContainEqual(
      expect.objectContaining({ type: 'fetch_failed', reason: 'JWK Set contains private key material' }),
    )
    // One private member in an otherwise public set condemns the whole set.
    const { d } = idp.privateJwks().keys[0] as JWK
    idp.serveJwks({ keys: [...idp.publicJwks().keys.slice(1), { ...keyOf('RS256'), d }] })
    idp.resetCounts()
    world().clock.advance(60_000)
    const mixed = await makeTarget(layer, world())
    expectRejected(await mixed.send({ token: await idp.sign() }), 'R503', 'ERR_JWKS_UNAVAILABLE')

    idp.serveJwks(null)
    const warm = await makeTarget(layer, world())
    await warm.warm()
    idp.serveJwks(idp.privateJwks())
    world().clock.advance(11 * 60_000)
    expectAccepted(await warm.send({ token: await idp.sign() }))
    await warm.settle()
    expect(warm.events).toContainEqual(
      expect.objectContaining({ type: 'fetch_failed', reason: 'JWK Set contains private key material' }),
    )
    expectAccepted(await warm.send({ token: await idp.sign({ sub: 'after' }) }))
  },
)

eachLayer(
  ['gateway'],
  '#24 the gateway never re-serves d, p, q, dp, dq, qi of a leaked private set',
  async (layer) => {
    const { idp } = world()
    idp.serveJwks(idp.privateJwks())
    const t = await makeTarget(layer, world())
    const published = await t.send({ path: '/.well-known/jwks.json' })
    expect(published.contentType).toBe('application/jwk-set+json')
    const { keys } = JSON.parse(published.body) as { keys: Record<string, unknown>[] }
    for (const key of keys)
      for (const member of ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'])
        expect(key).not.toHaveProperty(member)
    for (const jwk of idp.privateJwks().keys) expect(published.body).not.toContain(String(jwk.d))
  },
)

eachLayer(
  TOKEN_LAYERS,
  '#25 the kid names a key with use "enc" or key_ops ["encrypt"] → not selectable, R401',
  async (layer) => {
    const { idp } = world()
    const rsa = keyOf('RS256')
    const { alg: _alg, ...ec } = keyOf('ES256')
    idp.serveJwks({
      keys: [{ ...rsa, use: 'enc' }, { ...ec, use: undefined, key_ops: ['encrypt'] }, keyOf('ES384')],
    })
    const t = await makeTarget(layer, world())
    await t.warm(await idp.sign({}, { alg: 'ES384' }))
    expectRejected(await t.send({ token: await idp.sign() }), 'R401', 'ERR_KEY_NOT_FOUND')
    expectRejected(await t.send({ token: await es256Token() }), 'R401', 'ERR_KEY_NOT_FOUND')
    expectFetches(world(), { jwks: 1 })
  },
)

eachLayer(
  TOKEN_LAYERS,
  '#26 two RSA keys with the same kid → R401 ERR_KEY_AMBIGUOUS (+ event), NF; same kid across kty is fine',
  async (layer) => {
    const { idp } = world()
    const rsa = keyOf('RS256')
    const other = { ...keyOf('PS256'), alg: 'RS256', kid: rsa.kid }
    idp.serveJwks({ keys: [rsa, other, keyOf('ES256')] })
    const t = await makeTarget(layer, world())
    await t.warm(await es256Token())
    expectRejected(await t.send({ token: await idp.sign() }), 'R401', 'ERR_KEY_AMBIGUOUS')
    expect(t.events).toContainEqual(
      expect.objectContaining({ type: 'verify_failed', code: 'ERR_KEY_AMBIGUOUS' }),
    )
    expectFetches(world(), NF)

    idp.serveJwks({
      keys: [
        { ...rsa, kid: 'same' },
        { ...keyOf('ES256'), kid: 'same' },
      ],
    })
    const mixed = await makeTarget(layer, world())
    expectAccepted(await mixed.send({ token: await idp.sign({}, { kid: 'same' }) }))
    expectAccepted(await mixed.send({ token: await idp.sign({}, { alg: 'ES256', kid: 'same' }) }))
  },
)
