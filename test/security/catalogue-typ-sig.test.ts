import { base64url } from 'jose'
import { expect } from 'vitest'
import { expectAccepted, expectFetches, expectRejected, NF } from './support/expect.js'
import { b64json, parts, privateJwk, signatureOf, withSignature } from './support/forge.js'
import { CONFIGURABLE_LAYERS, makeTarget, TOKEN_LAYERS } from './support/layers.js'
import { bytesOf, pkcs1Encode, rawSign, SHA256_DIGEST_INFO, sha256 } from './support/raw-rsa.js'
import { eachLayer, useWorld } from './support/suite.js'

// docs/SECURITY.md row 17–21 (typ, sig): every forged or mangled signature is ERR_SIGNATURE_INVALID on
// a warm cache, without a fetch.
const world = useWorld({ algorithms: ['RS256', 'ES256'] })

const AT_JWT = { header: { typ: 'at+jwt' } }

eachLayer(
  CONFIGURABLE_LAYERS,
  '#17 typ at+jwt required: typ absent or JWT, and a replayed ID token → R401',
  async (layer) => {
    const { idp } = world()
    const t = await makeTarget(layer, world(), { typ: 'at+jwt' })
    await t.warm(await idp.sign({}, AT_JWT))
    const idToken = await idp.sign({ aud: 'client-id-of-the-spa', nonce: 'n-1', azp: 'client-id-of-the-spa' })
    for (const token of [
      await idp.sign({}, { header: { typ: undefined } }),
      await idp.sign({}, { header: { typ: 'JWT' } }),
      await idp.sign({}, { header: { typ: 'at+JWT2' } }),
      idToken,
    ]) {
      expectRejected(await t.send({ token }), 'R401', 'ERR_TYPE_MISMATCH')
    }
    for (const typ of ['at+jwt', 'application/at+jwt', 'AT+JWT']) {
      expectAccepted(await t.send({ token: await idp.sign({}, { header: { typ } }) }))
    }
    expectFetches(world(), NF)
  },
)

eachLayer(
  ['gateway'],
  '#17 the gateway has no typ setting: a replayed ID token fails on its audience → R401',
  async (layer) => {
    const { idp } = world()
    const t = await makeTarget(layer, world())
    await t.warm()
    const idToken = await idp.sign({ aud: 'client-id-of-the-spa', nonce: 'n-1' })
    expectRejected(await t.send({ token: idToken }), 'R401', 'ERR_AUDIENCE_MISMATCH')
    expectFetches(world(), NF)
  },
)

/** The order n of the P-256 group (SEC 2 §2.4.2). */
const P256_N = bytesOf(0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n, 32)

eachLayer(
  TOKEN_LAYERS,
  '#18 ES256 signature of 64 zero bytes (CVE-2022-21449), and r = s = n → R401, NF',
  async (layer) => {
    const { idp } = world()
    const t = await makeTarget(layer, world())
    await t.warm()
    const token = await idp.sign({ sub: 'admin' }, { alg: 'ES256' })
    const zero = withSignature(token, new Uint8Array(64))
    expect(parts(zero)[2]).toBe('A'.repeat(86))
    expectRejected(await t.send({ token: zero }), 'R401', 'ERR_SIGNATURE_INVALID')
    const rsN = withSignature(token, new Uint8Array([...P256_N, ...P256_N]))
    expectRejected(await t.send({ token: rsN }), 'R401', 'ERR_SIGNATURE_INVALID')
    const rZero = withSignature(
      token,
      new Uint8Array([...new Uint8Array(32), ...signatureOf(token).slice(32)]),
    )
    expectRejected(await t.send({ token: rZero }), 'R401', 'ERR_SIGNATURE_INVALID')
    expectFetches(world(), NF)
  },
)

/** ASN.1 DER `SEQUENCE { INTEGER r, INTEGER s }` of a raw R‖S signature. */
function derOf(raw: Uint8Array): Uint8Array {
  const integer = (bytes: Uint8Array) => {
    let i = 0
    while (i < bytes.length - 1 && bytes[i] === 0) i++
    const trimmed = bytes.slice(i)
    const body = (trimmed[0] ?? 0) >= 0x80 ? [0, ...trimmed] : [...trimmed]
    return [0x02, body.length, ...body]
  }
  const content = [...integer(raw.slice(0, 32)), ...integer(raw.slice(32))]
  return new Uint8Array([0x30, content.length, ...content])
}

eachLayer(
  TOKEN_LAYERS,
  '#19 ES256 signature DER-encoded (~70-72 B) or 65 B with a leading 0x00 → R401, NF',
  async (layer) => {
    const { idp } = world()
    const t = await makeTarget(layer, world())
    await t.warm()
    const token = await idp.sign({ sub: 'admin' }, { alg: 'ES256' })
    expectAccepted(await t.send({ token }))
    const raw = signatureOf(token)
    const der = derOf(raw)
    expect(der.length).toBeGreaterThanOrEqual(68)
    expect(der.length).toBeLessThanOrEqual(72)
    const mangled = [der, new Uint8Array([0, ...raw]), new Uint8Array([...raw, 0]), raw.slice(0, 63)]
    for (const signature of mangled) {
      expectRejected(
        await t.send({ token: withSignature(token, signature) }),
        'R401',
        'ERR_SIGNATURE_INVALID',
      )
    }
    expectFetches(world(), NF)
  },
)

eachLayer(
  TOKEN_LAYERS,
  '#20 RS256 signature truncated, zero-prefixed, bit-flipped; header or payload changed under the old signature → R401, NF',
  async (layer) => {
    const { idp } = world()
    const t = await makeTarget(layer, world())
    await t.warm()
    const token = await idp.sign({ sub: 'user-1' })
    const signature = signatureOf(token)
    const [h, p, s] = parts(token)
    const flipped = signature.slice()
    flipped[100] = (flipped[100] ?? 0) ^ 0x01
    const lastFlipped = signature.slice()
    lastFlipped[255] = (lastFlipped[255] ?? 0) ^ 0x80
    const header = JSON.parse(new TextDecoder().decode(base64url.decode(h))) as Record<string, unknown>
    const payload = JSON.parse(new TextDecoder().decode(base64url.decode(p))) as Record<string, unknown>
    const tokens = [
      withSignature(token, signature.slice(1)),
      withSignature(token, signature.slice(0, -1)),
      withSignature(token, new Uint8Array([0, ...signature])),
      withSignature(token, flipped),
      withSignature(token, lastFlipped),
      `${b64json({ ...header, typ: 'at+jwt' })}.${p}.${s}`,
      `${h}.${b64json({ ...payload, sub: 'admin' })}.${s}`,
      `${h}.${b64json({ ...payload, exp: (payload.exp as number) + 1 })}.${s}`,
    ]
    for (const bad of tokens) expectRejected(await t.send({ token: bad }), 'R401', 'ERR_SIGNATURE_INVALID')
    expectFetches(world(), NF)
  },
)

/** DigestInfo malformations of RFC 8017 §9.2 encodings, each signed with the real private key. */
function malformedEncodings(hash: Uint8Array): [string, Uint8Array][] {
  const k = 256
  const good = new Uint8Array([...SHA256_DIGEST_INFO, ...hash])
  const longForm = new Uint8Array([
    0x30,
    0x81,
    0x31,
    0x30,
    0x81,
    0x0d,
    0x06,
    0x81,
    0x09,
    0x60,
    0x86,
    0x48,
    0x01,
    0x65,
    0x03,
    0x04,
    0x02,
    0x01,
    0x05,
    0x81,
    0x00,
    0x04,
    0x81,
    0x20,
    ...hash,
  ])
  const wrongOid = good.slice()
  wrongOid[14] = 0x03 // 2.16.840.1.101.3.4.2.3 is SHA-512
  const sha1Oid = new Uint8Array([
    0x30,
    0x2d,
    0x30,
    0x09,
    0x06,
    0x05,
    0x2b,
    0x0e,
    0x03,
    0x02,
    0x1a,
    0x05,
    0x00,
    0x04,
    0x20,
    ...hash,
  ])
  const wrongLength = good.slice()
  wrongLength[1] = 0x32
  const blockTwo = pkcs1Encode(good, k, 0x02)
  const zeroInPadding = pkcs1Encode(good, k)
  zeroInPadding[20] = 0x00
  return [
    ['BER long-form lengths', pkcs1Encode(longForm, k)],
    ['garbage appended after the digest', pkcs1Encode(new Uint8Array([...good, 0xde, 0xad, 0xbe, 0xef]), k)],
    ['the SHA-512 OID around a SHA-256 digest', pkcs1Encode(wrongOid, k)],
    ['the SHA-1 OID around a SHA-256 digest', pkcs1Encode(sha1Oid, k)],
    ['a wrong outer SEQUENCE length', pkcs1Encode(wrongLength, k)],
    ['block type 02', blockTwo],
    ['a zero byte inside the padding', zeroInPadding],
    ['the digest without DigestInfo', pkcs1Encode(hash, k)],
  ]
}

eachLayer(
  TOKEN_LAYERS,
  '#21 PKCS#1 v1.5 DigestInfo malformations (long-form lengths, garbage, wrong OID), truly signed → R401, NF',
  async (layer) => {
    const { idp, clock } = world()
    const t = await makeTarget(layer, world())
    await t.warm()
    const jwk = privateJwk(idp, 'RS256')
    const now = Math.floor(clock.now() / 1000)
    const input = `${b64json({ alg: 'RS256', kid: jwk.kid })}.${b64json({ iss: idp.issuer, aud: idp.audience, sub: 'admin', exp: now + 300 })}`
    const hash = await sha256(input)
    // Control: the well-formed encoding, signed with the same raw operation, verifies.
    const control = pkcs1Encode(new Uint8Array([...SHA256_DIGEST_INFO, ...hash]), 256)
    expectAccepted(await t.send({ token: `${input}.${base64url.encode(rawSign(jwk, control))}` }))
    for (const [what, em] of malformedEncodings(hash)) {
      const token = `${input}.${base64url.encode(rawSign(jwk, em))}`
      expect(what).toBeTruthy()
      expectRejected(await t.send({ token }), 'R401', 'ERR_SIGNATURE_INVALID')
    }
    expectFetches(world(), NF)
  },
)
