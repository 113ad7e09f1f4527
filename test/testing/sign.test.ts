import { createLocalJWKSet, decodeProtectedHeader, type JWK, jwtVerify } from 'jose'
import { describe, expect, it } from 'vitest'
import { ASYMMETRIC_ALGORITHMS } from '../../src/jwk/algorithms.js'
import { createTestIssuer } from '../../src/testing/index.js'

const NOW = Date.UTC(2030, 0, 1)

describe('sign', () => {
  it('signs a token every algorithm verifies with the served JWKS', async () => {
    const issuer = await createTestIssuer({ algorithms: [...ASYMMETRIC_ALGORITHMS] })
    const jwks = createLocalJWKSet(issuer.publicJwks())
    expect(issuer.keys.map((k) => k.alg)).toEqual([...ASYMMETRIC_ALGORITHMS])
    for (const alg of ASYMMETRIC_ALGORITHMS) {
      const token = await issuer.sign({ scope: 'read' }, { alg })
      const { payload, protectedHeader } = await jwtVerify(token, jwks, {
        issuer: issuer.issuer,
        audience: issuer.audience,
        algorithms: [alg],
      })
      const key = issuer.keys.find((k) => k.alg === alg)
      expect(protectedHeader).toEqual({ alg, kid: key?.kid, typ: 'JWT' })
      expect(payload.scope).toBe('read')
      expect(payload.sub).toBe('user-1')
    }
  })

  it('generates Ed25519 for EdDSA and P-521 for ES512, RSA keys of 2048 bits', async () => {
    const issuer = await createTestIssuer({ algorithms: ['EdDSA', 'ES512', 'PS256'] })
    const [ed, ec, rsa] = issuer.publicJwks().keys as [JWK, JWK, JWK]
    expect([ed.kty, ed.crv]).toEqual(['OKP', 'Ed25519'])
    expect([ec.kty, ec.crv]).toEqual(['EC', 'P-521'])
    // 2048 bits = 256 bytes = 342 base64url characters.
    expect(rsa.n).toHaveLength(342)
    for (const jwk of [ed, ec, rsa]) expect(jwk.use).toBe('sig')
  })

  it('puts default claims from the clock and lets claims win, undefined omitting', async () => {
    const issuer = await createTestIssuer({
      issuer: 'https://idp.example/tenant',
      audience: 'aud-1',
      now: () => NOW + 999,
    })
    const token = await issuer.sign({ sub: 'alice', nbf: 5, aud: undefined }, { expiresInSeconds: 60 })
    const payload = JSON.parse(
      atob(token.split('.')[1]!.replaceAll('-', '+').replaceAll('_', '/')),
    ) as unknown
    expect(payload).toEqual({
      iss: 'https://idp.example/tenant',
      sub: 'alice',
      iat: NOW / 1000,
      exp: NOW / 1000 + 60,
      nbf: 5,
    })
    const defaults = await issuer.sign()
    const { payload: p } = await jwtVerify(defaults, createLocalJWKSet(issuer.publicJwks()), {
      currentDate: new Date(NOW),
      audience: 'aud-1',
    })
    expect(p.exp).toBe(NOW / 1000 + 300)
  })

  it('sends claims unvalidated, so broken tokens can be made', async () => {
    const issuer = await createTestIssuer()
    const token = await issuer.sign({ exp: 'tomorrow' as unknown as number })
    await expect(jwtVerify(token, createLocalJWKSet(issuer.publicJwks()))).rejects.toMatchObject({
      code: 'ERR_JWT_CLAIM_VALIDATION_FAILED',
      claim: 'exp',
    })
  })

  it('omits kid with null, puts a foreign kid in the header, selects a key by kid', async () => {
    const issuer = await createTestIssuer({ algorithms: ['ES256'] })
    const oldKid = issuer.keys[0]!.kid
    const newKid = await issuer.rotate()
    expect(decodeProtectedHeader(await issuer.sign()).kid).toBe(newKid)
    expect(decodeProtectedHeader(await issuer.sign({}, { kid: null }))).toEqual({ alg: 'ES256', typ: 'JWT' })

    const byOld = await issuer.sign({}, { kid: oldKid })
    expect(decodeProtectedHeader(byOld).kid).toBe(oldKid)
    issuer.removeKey(newKid)
    await expect(jwtVerify(byOld, createLocalJWKSet(issuer.publicJwks()))).resolves.toBeTruthy()

    issuer.removeKey(oldKid)
    await issuer.rotate()
    const foreign = await issuer.sign({}, { kid: 'not-a-key' })
    expect(decodeProtectedHeader(foreign).kid).toBe('not-a-key')
    // Signed by the current key, so only the kid is wrong.
    const [current] = issuer.publicJwks().keys
    const relabelled = createLocalJWKSet({ keys: [{ ...current, kid: 'not-a-key' }] })
    await expect(jwtVerify(foreign, relabelled)).resolves.toBeTruthy()
  })

  it('signs with the alg key and a mismatching kid when both are given', async () => {
    const issuer = await createTestIssuer({ algorithms: ['RS256', 'ES256'] })
    const rsKid = issuer.keys[0]!.kid
    const token = await issuer.sign({}, { alg: 'ES256', kid: rsKid })
    expect(decodeProtectedHeader(token)).toMatchObject({ alg: 'ES256', kid: rsKid })
  })

  it('merges extra header members, crit included, but keeps alg', async () => {
    const issuer = await createTestIssuer({ algorithms: ['EdDSA'] })
    const token = await issuer.sign(
      {},
      { header: { typ: 'at+jwt', crit: ['urn:x'], 'urn:x': 1, alg: 'none' } },
    )
    expect(decodeProtectedHeader(token)).toEqual({
      alg: 'EdDSA',
      kid: issuer.keys[0]!.kid,
      typ: 'at+jwt',
      crit: ['urn:x'],
      'urn:x': 1,
    })
    const noTyp = await issuer.sign({}, { header: { typ: undefined } })
    expect(decodeProtectedHeader(noTyp).typ).toBeUndefined()
  })

  it('refuses an alg it has no key for, and a key-less issuer', async () => {
    const issuer = await createTestIssuer()
    await expect(issuer.sign({}, { alg: 'ES384' })).rejects.toThrow(/no ES384 key/)
    issuer.removeKey(issuer.keys[0]!.kid)
    await expect(issuer.sign()).rejects.toThrow(/no keys/)
  })

  it('rejects bad options', async () => {
    await expect(createTestIssuer({ algorithms: [] })).rejects.toThrow(TypeError)
    await expect(createTestIssuer({ algorithms: ['HS256' as 'RS256'] })).rejects.toThrow(
      /unsupported algorithm/,
    )
    await expect(createTestIssuer({ issuer: 'ftp://x' })).rejects.toThrow(/http/)
    await expect(createTestIssuer({ maxAgeSeconds: -1 })).rejects.toThrow(/maxAgeSeconds/)
  })
})
