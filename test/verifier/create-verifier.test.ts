import { base64url, SignJWT } from 'jose'
import { describe, expect, it } from 'vitest'
import { ASYMMETRIC_ALGORITHMS, createVerifier } from '../../src/index.js'
import { createTestIssuer } from '../../src/testing/index.js'
import { codeOf, setup } from '../helpers/setup.js'

const json = (value: unknown) => base64url.encode(JSON.stringify(value))

/** A token with chosen header and payload and an arbitrary signature segment. */
function forge(header: unknown, payload: unknown, signature = 'c2ln'): string {
  return `${json(header)}.${json(payload)}.${signature}`
}

describe('verify: algorithms (docs/verifier.md#verification-policy)', () => {
  it.each(ASYMMETRIC_ALGORITHMS)('verifies %s with the key from discovery + JWKS', async (alg) => {
    const { idp, verifier } = await setup({ issuer: { algorithms: [alg] } })
    const token = await idp.sign({ sub: 'alice' }, { alg })
    const result = await verifier.verify(token)
    expect(result.payload.sub).toBe('alice')
    expect(result.protectedHeader.alg).toBe(alg)
    expect(result.issuer).toBe(idp.issuer)
    expect(result.kid).toBe(idp.keys[0]?.kid)
    expect(idp.counts).toMatchObject({ discovery: 1, jwks: 1, unexpected: 0 })
  })

  it('rejects an algorithm outside the configured allow-list without a fetch', async () => {
    const { idp, verifier } = await setup({
      issuer: { algorithms: ['ES256'] },
      verifier: { algorithms: ['RS256'] },
    })
    const token = await idp.sign({}, { alg: 'ES256' })
    expect(await codeOf(verifier.verify(token))).toBe('ERR_ALG_NOT_ALLOWED')
    expect(idp.counts.jwks + idp.counts.discovery).toBe(0)
  })

  it.each([
    ['none', { alg: 'none' }],
    ['None', { alg: 'None' }],
    ['nOnE with a real kid', { alg: 'nOnE', kid: 'k' }],
    ['HS256 without a configured secret', { alg: 'HS256', kid: 'k' }],
  ])('rejects alg %s with no fetch', async (_, header) => {
    const { idp, verifier } = await setup()
    const payload = { iss: idp.issuer, aud: idp.audience, exp: 4e9 }
    expect(await codeOf(verifier.verify(forge(header, payload)))).toBe('ERR_ALG_NOT_ALLOWED')
    expect(idp.counts.jwks + idp.counts.discovery).toBe(0)
  })

  it('rejects an empty signature segment (alg none style h.p.) as malformed', async () => {
    const { verifier } = await setup()
    expect(await codeOf(verifier.verify(`${json({ alg: 'none' })}.${json({})}.`))).toBe('ERR_TOKEN_MALFORMED')
  })

  it('does not let a JWK without alg widen the allow-list (PS256 token, RS256 configured)', async () => {
    const { idp, verifier } = await setup({
      issuer: { algorithms: ['PS256'] },
      verifier: { algorithms: ['RS256'] },
    })
    const token = await idp.sign({}, { alg: 'PS256' })
    expect(await codeOf(verifier.verify(token))).toBe('ERR_ALG_NOT_ALLOWED')
    expect(idp.counts.jwks).toBe(0)
  })

  it('verifies HS256 with a locally configured secret and never fetches', async () => {
    const secret = 'a-32-byte-long-secret-for-hs256!'
    const issuer = 'https://internal.test'
    const verifier = createVerifier({
      issuer: { issuer, secrets: [{ alg: 'HS256', kid: 'svc', secret }] },
      algorithms: ['HS256'],
      fetch: () => Promise.reject(new Error('no fetch expected')),
    })
    const token = await new SignJWT({ sub: 'svc' })
      .setProtectedHeader({ alg: 'HS256', kid: 'svc' })
      .setIssuer(issuer)
      .setExpirationTime('5m')
      .sign(new TextEncoder().encode(secret))
    expect((await verifier.verify(token)).payload.sub).toBe('svc')
    const wrong = await new SignJWT({ sub: 'svc' })
      .setProtectedHeader({ alg: 'HS256', kid: 'svc' })
      .setIssuer(issuer)
      .setExpirationTime('5m')
      .sign(new TextEncoder().encode('another-32-byte-long-secret-xxxx'))
    expect(await codeOf(verifier.verify(wrong))).toBe('ERR_SIGNATURE_INVALID')
  })

  it('refuses an HS256 token signed with the public key of a remote RSA key (no fetch)', async () => {
    const { idp, verifier } = await setup()
    const publicJwk = idp.publicJwks().keys[0]
    const token = await new SignJWT({ iss: idp.issuer, aud: idp.audience })
      .setProtectedHeader({ alg: 'HS256', kid: idp.keys[0]?.kid ?? '' })
      .setExpirationTime('5m')
      .sign(new TextEncoder().encode(JSON.stringify(publicJwk)))
    expect(await codeOf(verifier.verify(token))).toBe('ERR_ALG_NOT_ALLOWED')
    expect(idp.counts.jwks).toBe(0)
  })
})

describe('verify: token shape and header (docs/verifier.md#verification-policy)', () => {
  it.each([
    ['one segment', 'abc'],
    ['two segments', 'aGVhZA.cGF5'],
    ['four segments', 'a.b.c.d'],
    ['five segments (JWE)', 'a.b.c.d.e'],
    ['trailing dot', 'a.b.c.'],
    ['padding', 'eyJhbGciOiJSUzI1NiJ9.e30=.c2ln'],
    ['plus and slash', 'ey+hb.e30.c2/n'],
    ['whitespace', 'eyJhbGciOiJSUzI1NiJ9 .e30.c2ln'],
    ['JSON serialisation', '{"payload":"e30","signature":"c2ln"}'],
    ['over 16 KiB', `eyJhbGciOiJSUzI1NiJ9.${'a'.repeat(16 * 1024)}.c2ln`],
    ['header not JSON', `${base64url.encode('not json')}.e30.c2ln`],
    ['header a JSON array', `${json([])}.e30.c2ln`],
    ['header JSON null', `${json(null)}.e30.c2ln`],
  ])('rejects %s as ERR_TOKEN_MALFORMED with no fetch', async (_, token) => {
    const { idp, verifier } = await setup()
    expect(await codeOf(verifier.verify(token))).toBe('ERR_TOKEN_MALFORMED')
    expect(idp.counts.jwks + idp.counts.discovery).toBe(0)
  })

  it('rejects a non-string token', async () => {
    const { verifier } = await setup()
    expect(await codeOf(verifier.verify(42 as unknown as string))).toBe('ERR_TOKEN_MALFORMED')
  })

  it.each([
    ['crit with an extension', { crit: ['x-ext'], 'x-ext': 1 }],
    ['empty crit', { crit: [] }],
    ['crit naming alg', { crit: ['alg'] }],
    ['b64 false', { b64: false, crit: ['b64'] }],
    ['zip', { zip: 'DEF' }],
    ['numeric kid', { kid: 1 }],
    ['null kid', { kid: null }],
    ['object kid', { kid: {} }],
    ['10 KB kid', { kid: 'k'.repeat(10_000) }],
  ])('rejects a header with %s (ERR_HEADER_INVALID, no fetch)', async (_, extra) => {
    const { idp, verifier } = await setup()
    const token = forge({ alg: 'RS256', ...extra }, { iss: idp.issuer, aud: idp.audience, exp: 4e9 })
    expect(await codeOf(verifier.verify(token))).toBe('ERR_HEADER_INVALID')
    expect(idp.counts.jwks + idp.counts.discovery).toBe(0)
  })

  it.each([
    ['missing', {}],
    ['a number', { alg: 123 }],
    ['an array', { alg: ['RS256'] }],
    ['empty', { alg: '' }],
  ])('rejects alg %s (no fetch)', async (_, header) => {
    const { idp, verifier } = await setup()
    expect(await codeOf(verifier.verify(forge(header, {})))).toBe('ERR_HEADER_INVALID')
    expect(idp.counts.jwks).toBe(0)
  })

  it('never uses jwk/jku/x5u/x5c header members to find keys', async () => {
    const { idp, verifier, clock } = await setup()
    const attacker = await createTestIssuer({ issuer: idp.issuer, audience: idp.audience, now: clock.now })
    const token = await attacker.sign(
      {},
      {
        header: {
          jwk: attacker.publicJwks().keys[0],
          jku: 'https://attacker.example/jwks.json',
          x5u: 'http://169.254.169.254/',
          x5c: ['MIIB'],
        },
      },
    )
    expect(await codeOf(verifier.verify(token))).toBe('ERR_KEY_NOT_FOUND')
    // The attacker's kid was unknown: one refetch of the configured JWKS, nothing else.
    expect(idp.counts).toMatchObject({ discovery: 1, jwks: 2, unexpected: 0 })
  })

  it('treats kid as an opaque string: __proto__, constructor, traversal', async () => {
    const { idp, verifier } = await setup()
    await verifier.verify(await idp.sign())
    for (const kid of [
      '__proto__',
      'constructor',
      'toString',
      '../../../../dev/null',
      "' UNION SELECT 'k'--",
    ]) {
      expect(await codeOf(verifier.verify(await idp.sign({}, { kid })))).toBe('ERR_KEY_NOT_FOUND')
    }
  })
})

describe('verify: key selection (docs/verifier.md#verification-policy)', () => {
  it('accepts a token without kid when exactly one key matches', async () => {
    const { idp, verifier } = await setup()
    const result = await verifier.verify(await idp.sign({}, { kid: null }))
    expect(result.kid).toBeUndefined()
  })

  it('rejects a token without kid when several keys match', async () => {
    const { idp, verifier } = await setup()
    await idp.rotate()
    expect(await codeOf(verifier.verify(await idp.sign({}, { kid: null })))).toBe('ERR_KEY_AMBIGUOUS')
  })

  it('rejects duplicate keys with the same kid (never "try each")', async () => {
    const { idp, verifier } = await setup()
    const [key] = idp.publicJwks().keys
    const other = (await createTestIssuer()).publicJwks().keys[0]
    idp.serveJwks({ keys: [key, { ...other, kid: key?.kid }] })
    expect(await codeOf(verifier.verify(await idp.sign()))).toBe('ERR_KEY_AMBIGUOUS')
  })

  it('selects by kty when two keys share a kid but differ in type', async () => {
    const { idp, verifier } = await setup({ issuer: { algorithms: ['RS256', 'ES256'] } })
    const [rsa, ec] = idp.publicJwks().keys
    idp.serveJwks({
      keys: [
        { ...rsa, kid: 'same' },
        { ...ec, kid: 'same' },
      ],
    })
    const token = await idp.sign({}, { alg: 'ES256', kid: 'same' })
    // The test issuer signs with the ES256 key and puts our kid in the header.
    expect((await verifier.verify(token)).kid).toBe('same')
  })

  it('rejects a key whose JWK alg differs from the token alg', async () => {
    const { idp, verifier } = await setup()
    const [key] = idp.publicJwks().keys
    idp.serveJwks({ keys: [{ ...key, alg: 'RS512' }] })
    expect(await codeOf(verifier.verify(await idp.sign()))).toBe('ERR_KEY_NOT_FOUND')
  })

  it('rejects a key for encryption (use enc, key_ops encrypt)', async () => {
    const { idp, verifier } = await setup({ issuer: { algorithms: ['RS256', 'ES256'] } })
    const [rsa, ec] = idp.publicJwks().keys
    idp.serveJwks({
      keys: [
        { ...rsa, use: 'enc' },
        { ...ec, use: undefined, key_ops: ['encrypt'] },
      ],
    })
    // Only unusable keys: the set counts as a failed fetch, nothing verifies.
    expect(await codeOf(verifier.verify(await idp.sign()))).toBe('ERR_JWKS_UNAVAILABLE')
  })

  it('rejects an ES256 token when the kid names a P-384 key', async () => {
    const { idp, verifier } = await setup({ issuer: { algorithms: ['ES256', 'ES384'] } })
    const [, p384] = idp.publicJwks().keys
    const token = await idp.sign({}, { alg: 'ES256', kid: p384?.kid ?? '' })
    expect(await codeOf(verifier.verify(token))).toBe('ERR_KEY_NOT_FOUND')
  })

  it('maps an RSA key under 2048 bits to ERR_KEY_UNUSABLE, not a crash', async () => {
    const { idp, verifier } = await setup()
    const [key] = idp.publicJwks().keys
    // A 1024-bit modulus: jose refuses it with a TypeError at verification.
    const n1024 = base64url.encode(new Uint8Array(128).fill(0xc5))
    idp.serveJwks({ keys: [{ ...key, n: n1024 }] })
    expect(await codeOf(verifier.verify(await idp.sign()))).toBe('ERR_KEY_UNUSABLE')
  })

  it('verifies with the issuer that the token names, never with another issuer key', async () => {
    const a = await createTestIssuer({ issuer: 'https://a.test' })
    const b = await createTestIssuer({ issuer: 'https://b.test', audience: a.audience })
    const both = (input: RequestInfo | URL, init?: RequestInit) =>
      String(input instanceof Request ? input.url : input).startsWith(a.issuer)
        ? a.fetch(input, init)
        : b.fetch(input, init)
    const verifier = createVerifier({ issuer: [a.issuer, b.issuer], audience: a.audience, fetch: both })
    expect((await verifier.verify(await a.sign())).issuer).toBe(a.issuer)
    expect((await verifier.verify(await b.sign())).issuer).toBe(b.issuer)
    // iss=A but signed by B's key with B's kid: A's keys are searched, and B's kid is not there.
    const crossed = await b.sign({ iss: a.issuer })
    expect(await codeOf(verifier.verify(crossed))).toBe('ERR_KEY_NOT_FOUND')
    const unknown = await b.sign({ iss: 'https://c.test' })
    expect(await codeOf(verifier.verify(unknown))).toBe('ERR_ISSUER_UNKNOWN')
  })
})

describe('verify: signature', () => {
  it('rejects a flipped signature bit, a modified payload and a truncated signature', async () => {
    const { idp, verifier } = await setup()
    const token = await idp.sign()
    const [h, p, s] = token.split('.') as [string, string, string]
    const bytes = base64url.decode(s)
    bytes[10] = (bytes[10] ?? 0) ^ 1
    const flipped = `${h}.${p}.${base64url.encode(bytes)}`
    const payload = `${h}.${json({ ...JSON.parse(new TextDecoder().decode(base64url.decode(p))), sub: 'admin' })}.${s}`
    const truncated = `${h}.${p}.${base64url.encode(base64url.decode(s).slice(1))}`
    for (const bad of [flipped, payload, truncated]) {
      expect(await codeOf(verifier.verify(bad))).toBe('ERR_SIGNATURE_INVALID')
    }
  })

  it('rejects an all-zero ES256 signature (CVE-2022-21449) and a DER-encoded one', async () => {
    const { idp, verifier } = await setup({ issuer: { algorithms: ['ES256'] } })
    const [h, p] = (await idp.sign()).split('.')
    expect(await codeOf(verifier.verify(`${h}.${p}.${base64url.encode(new Uint8Array(64))}`))).toBe(
      'ERR_SIGNATURE_INVALID',
    )
    expect(await codeOf(verifier.verify(`${h}.${p}.${base64url.encode(new Uint8Array(71).fill(1))}`))).toBe(
      'ERR_SIGNATURE_INVALID',
    )
  })

  it('reports a bad signature on an expired token as a signature error (no claim oracle)', async () => {
    const { idp, verifier, clock } = await setup({ warm: true })
    const token = await idp.sign({ exp: Math.floor(clock.now() / 1000) - 3600 })
    const [h, p] = token.split('.')
    const other = (await idp.sign()).split('.')[2]
    expect(await codeOf(verifier.verify(`${h}.${p}.${other}`))).toBe('ERR_SIGNATURE_INVALID')
  })
})

describe('verify: results', () => {
  it('returns a frozen result, so one request cannot change what the next one sees', async () => {
    const { idp, verifier } = await setup({ warm: true })
    const token = await idp.sign({ scope: 'read', nested: { roles: ['a'] } })
    const first = await verifier.verify(token)
    expect(Object.isFrozen(first.payload)).toBe(true)
    expect(() => {
      ;(first.payload as { scope: string }).scope = 'admin'
    }).toThrow(TypeError)
    expect(() => (first.payload.nested as { roles: string[] }).roles.push('admin')).toThrow(TypeError)
    const second = await verifier.verify(token, { requiredScopes: ['read'] })
    expect(second.payload.scope).toBe('read')
  })
})

describe('verify: a per-call audience (VerifyCallOptions.audience)', () => {
  const A = 'https://api.test/mcp-a'
  const B = 'https://api.test/mcp-b'

  it('narrows the configured audiences for one call, before any fetch and on every cache hit', async () => {
    const { idp, verifier, events } = await setup({ verifier: { audience: [A, B] } })
    const forA = await idp.sign({ aud: A })
    expect(await codeOf(verifier.verify(forA, { audience: { audience: [B] } }))).toBe('ERR_AUDIENCE_MISMATCH')
    expect(idp.counts).toMatchObject({ discovery: 0, jwks: 0 })
    expect((await verifier.verify(forA, { audience: { audience: [A] } })).payload.aud).toBe(A)
    // Now cached: the hit is held to the call's audience too.
    expect(await codeOf(verifier.verify(forA, { audience: { audience: [B] } }))).toBe('ERR_AUDIENCE_MISMATCH')
    expect(events.filter((event) => event.type === 'verify_failed')).toHaveLength(2)
    expect(idp.counts).toMatchObject({ discovery: 1, jwks: 1 })
  })

  it('takes a token without aud only for a client the call lists', async () => {
    const { idp, verifier } = await setup({ verifier: { audience: [A], clientIds: ['app'] } })
    const noAud = await idp.sign({ aud: undefined, client_id: 'app' })
    expect(
      (await verifier.verify(noAud, { audience: { audience: [A], clientIds: ['app'] } })).payload.client_id,
    ).toBe('app')
    expect(await codeOf(verifier.verify(noAud, { audience: { audience: [A] } }))).toBe('ERR_CLAIM_INVALID')
  })

  it('never widens the configured rule', async () => {
    const { idp, verifier } = await setup({ verifier: { audience: [A] } })
    expect(await codeOf(verifier.verify(await idp.sign({ aud: B }), { audience: { audience: [B] } }))).toBe(
      'ERR_AUDIENCE_MISMATCH',
    )
    expect(idp.counts).toMatchObject({ discovery: 0, jwks: 0 })
  })
})
