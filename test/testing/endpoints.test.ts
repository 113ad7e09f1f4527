import { describe, expect, it } from 'vitest'
import { createTestIssuer } from '../../src/testing/index.js'

describe('JWKS endpoint', () => {
  it('serves the public keys with type, cache-control, length and a strong ETag', async () => {
    const issuer = await createTestIssuer({ algorithms: ['RS256', 'ES256'] })
    expect(issuer.jwksUri).toBe('https://issuer.test/.well-known/jwks.json')
    const response = await issuer.fetch(issuer.jwksUri)
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toBe('application/jwk-set+json')
    expect(response.headers.get('cache-control')).toBe('public, max-age=600')
    expect(response.headers.get('etag')).toMatch(/^"[A-Za-z0-9_-]{43}"$/)
    const text = await response.text()
    expect(response.headers.get('content-length')).toBe(String(new TextEncoder().encode(text).byteLength))
    const body = JSON.parse(text) as { keys: Record<string, unknown>[] }
    expect(body).toEqual(issuer.publicJwks())
    expect(body.keys.map((k) => [k.kid, k.alg, k.use])).toEqual(issuer.keys.map((k) => [k.kid, k.alg, 'sig']))
    for (const key of body.keys)
      for (const member of ['d', 'p', 'q', 'dp', 'dq', 'qi']) expect(key).not.toHaveProperty(member)
  })

  it('answers 304 without a body to a matching If-None-Match, and 200 once the set changed', async () => {
    const issuer = await createTestIssuer()
    const etag = (await issuer.fetch(issuer.jwksUri)).headers.get('etag')!
    const notModified = await issuer.fetch(issuer.jwksUri, {
      headers: { 'if-none-match': `"other", W/${etag}` },
    })
    expect(notModified.status).toBe(304)
    expect(notModified.headers.get('etag')).toBe(etag)
    expect(notModified.headers.get('cache-control')).toBe('public, max-age=600')
    expect(await notModified.text()).toBe('')
    await issuer.rotate()
    const changed = await issuer.fetch(issuer.jwksUri, { headers: { 'if-none-match': etag } })
    expect(changed.status).toBe(200)
    expect(changed.headers.get('etag')).not.toBe(etag)
    expect(issuer.counts.jwks).toBe(3)
  })

  it('sends no Cache-Control with maxAgeSeconds null, and the given max-age otherwise', async () => {
    const none = await createTestIssuer({ maxAgeSeconds: null })
    expect((await none.fetch(none.jwksUri)).headers.has('cache-control')).toBe(false)
    const short = await createTestIssuer({ maxAgeSeconds: 5 })
    expect((await short.fetch(short.jwksUri)).headers.get('cache-control')).toBe('public, max-age=5')
  })

  it('reflects rotate and removeKey', async () => {
    const issuer = await createTestIssuer({ algorithms: ['ES256', 'EdDSA'] })
    const [es, ed] = issuer.keys.map((k) => k.kid)
    const kids = async (): Promise<unknown[]> =>
      ((await (await issuer.fetch(issuer.jwksUri)).json()) as { keys: { kid: string }[] }).keys.map(
        (k) => k.kid,
      )

    const rotated = await issuer.rotate()
    expect(issuer.keys[0]).toEqual({ kid: rotated, alg: 'ES256' })
    expect(await kids()).toEqual([rotated, es, ed])

    const ps = await issuer.rotate({ alg: 'PS256' })
    expect(issuer.keys[0]).toEqual({ kid: ps, alg: 'PS256' })
    issuer.removeKey(es!)
    expect(await kids()).toEqual([ps, rotated, ed])
    expect(() => issuer.removeKey(es!)).toThrow(RangeError)

    const only = await issuer.rotate({ keepPrevious: false })
    expect(await kids()).toEqual([only])
    expect(issuer.keys).toEqual([{ kid: only, alg: 'ES256' }])
  })

  it('uses the RFC 7638 thumbprint as kid and exposes private keys only through privateJwks', async () => {
    const issuer = await createTestIssuer({ algorithms: ['ES256'] })
    const [pub] = issuer.publicJwks().keys
    const [priv] = issuer.privateJwks().keys
    const { calculateJwkThumbprint } = await import('jose')
    expect(pub?.kid).toBe(
      await calculateJwkThumbprint({ kty: 'EC', crv: pub?.crv, x: pub?.x, y: pub?.y } as never),
    )
    expect(priv).toEqual({ ...pub, d: priv?.d })
    expect(typeof priv?.d).toBe('string')
    // Copies: mutating them does not change what is served.
    pub!.kid = 'changed'
    expect(issuer.publicJwks().keys[0]?.kid).not.toBe('changed')
  })

  it('serves an override body verbatim until reset', async () => {
    const issuer = await createTestIssuer()
    const bogus = { keys: [{ kty: 'oct', k: 'c2VjcmV0', kid: 'hmac' }] }
    issuer.serveJwks(bogus)
    expect(await (await issuer.fetch(issuer.jwksUri)).json()).toEqual(bogus)
    issuer.serveJwks('not json')
    expect(await (await issuer.fetch(issuer.jwksUri)).text()).toBe('not json')
    issuer.serveJwks(null)
    expect(await (await issuer.fetch(issuer.jwksUri)).json()).toEqual(issuer.publicJwks())
  })

  it('answers HEAD without a body and other methods with 405', async () => {
    const issuer = await createTestIssuer()
    const head = await issuer.fetch(issuer.jwksUri, { method: 'HEAD' })
    expect(head.status).toBe(200)
    expect(await head.text()).toBe('')
    const post = await issuer.fetch(issuer.jwksUri, { method: 'POST', body: '{}' })
    expect(post.status).toBe(405)
    expect(post.headers.get('allow')).toBe('GET, HEAD')
    expect(issuer.counts).toEqual({ discovery: 0, jwks: 2, unexpected: 0, admin: 0 })
  })
})

describe('discovery', () => {
  const OIDC = 'https://issuer.test/.well-known/openid-configuration'
  const OAUTH = 'https://issuer.test/.well-known/oauth-authorization-server'

  it('serves the OpenID configuration by default, and 404 for RFC 8414', async () => {
    const issuer = await createTestIssuer({ algorithms: ['ES256', 'RS256'] })
    const response = await issuer.fetch(OIDC)
    expect(response.headers.get('content-type')).toBe('application/json')
    expect(response.headers.get('etag')).toMatch(/^"/)
    const doc = (await response.json()) as Record<string, unknown>
    expect(doc).toMatchObject({
      issuer: 'https://issuer.test',
      jwks_uri: issuer.jwksUri,
      id_token_signing_alg_values_supported: ['ES256', 'RS256'],
      response_types_supported: ['code'],
      subject_types_supported: ['public'],
    })
    expect(doc).not.toHaveProperty('token_endpoint')
    expect((await issuer.fetch(OAUTH)).status).toBe(404)
    expect(issuer.counts).toEqual({ discovery: 2, jwks: 0, unexpected: 0, admin: 0 })
  })

  it.each([
    ['oauth', [404, 200]],
    ['both', [200, 200]],
    ['none', [404, 404]],
  ] as const)('discovery %s: oidc/oauth answer %j', async (discovery, statuses) => {
    const issuer = await createTestIssuer({ discovery })
    expect([(await issuer.fetch(OIDC)).status, (await issuer.fetch(OAUTH)).status]).toEqual(statuses)
  })

  it('puts the well-known segments where issuers with a path need them, and keeps iss exact', async () => {
    const issuer = await createTestIssuer({
      issuer: 'https://idp.test/realms/a/',
      discovery: 'both',
      admin: true,
    })
    expect(issuer.jwksUri).toBe('https://idp.test/realms/a/.well-known/jwks.json')
    const oidc = await issuer.fetch('https://idp.test/realms/a/.well-known/openid-configuration')
    const oauth = await issuer.fetch('https://idp.test/.well-known/oauth-authorization-server/realms/a')
    expect(await oidc.json()).toMatchObject({
      issuer: 'https://idp.test/realms/a/',
      token_endpoint: 'https://idp.test/realms/a/token',
    })
    expect(oauth.status).toBe(200)
    expect((await issuer.fetch(issuer.jwksUri)).status).toBe(200)
  })

  it('lists the algorithms of the current keys', async () => {
    const issuer = await createTestIssuer()
    await issuer.rotate({ alg: 'EdDSA' })
    const doc = (await (await issuer.fetch(OIDC)).json()) as Record<string, unknown>
    expect(doc.id_token_signing_alg_values_supported).toEqual(['EdDSA', 'RS256'])
  })
})

describe('fetch and counts', () => {
  it('rejects and counts requests to other origins and unknown paths', async () => {
    const issuer = await createTestIssuer()
    await expect(issuer.fetch('https://elsewhere.test/.well-known/jwks.json')).rejects.toThrow(
      new TypeError('fetch failed'),
    )
    await expect(issuer.fetch('http://issuer.test/.well-known/jwks.json')).rejects.toThrow(TypeError)
    const unknown = await issuer.fetch('https://issuer.test/keys')
    expect(unknown.status).toBe(404)
    expect((await issuer.fetch('https://issuer.test/token', { method: 'POST' })).status).toBe(404)
    expect(issuer.counts).toEqual({ discovery: 0, jwks: 0, unexpected: 4, admin: 0 })
  })

  it('accepts Request objects and URL inputs', async () => {
    const issuer = await createTestIssuer()
    expect((await issuer.fetch(new Request(issuer.jwksUri))).status).toBe(200)
    expect((await issuer.fetch(new URL(issuer.jwksUri))).status).toBe(200)
    expect(issuer.counts.jwks).toBe(2)
  })

  it('keeps counts live and resets them in place', async () => {
    const issuer = await createTestIssuer()
    const counts = issuer.counts
    await issuer.fetch(issuer.jwksUri)
    await issuer.handle(new Request('https://issuer.test/.well-known/openid-configuration'))
    expect(counts).toEqual({ discovery: 1, jwks: 1, unexpected: 0, admin: 0 })
    issuer.resetCounts()
    expect(counts).toEqual({ discovery: 0, jwks: 0, unexpected: 0, admin: 0 })
  })

  it('does not send (nor count) a request whose signal is already aborted', async () => {
    const issuer = await createTestIssuer()
    const reason = new Error('gave up')
    await expect(issuer.fetch(issuer.jwksUri, { signal: AbortSignal.abort(reason) })).rejects.toBe(reason)
    expect(issuer.counts.jwks).toBe(0)
  })

  it('routes handle() by path, so it works mounted under another host', async () => {
    const issuer = await createTestIssuer()
    const response = await issuer.handle(new Request('http://localhost:8787/.well-known/jwks.json'))
    expect(await response.json()).toEqual(issuer.publicJwks())
  })
})
