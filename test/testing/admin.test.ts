import { createLocalJWKSet, decodeProtectedHeader, jwtVerify } from 'jose'
import { describe, expect, it } from 'vitest'
import { createTestIssuer } from '../../src/testing/index.js'

const post = (path: string, body?: unknown): [string, RequestInit] => [
  `https://issuer.test${path}`,
  {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: body === undefined ? null : JSON.stringify(body),
  },
]

describe('admin routes', () => {
  it('POST /token mints a verifiable token', async () => {
    const issuer = await createTestIssuer({
      algorithms: ['RS256', 'ES256'],
      admin: true,
      now: () => 1_900_000_000_000,
    })
    const response = await issuer.fetch(
      ...post('/token', { claims: { sub: 'bob', scope: 'admin' }, alg: 'ES256', expiresInSeconds: 60 }),
    )
    expect(response.status).toBe(200)
    expect(response.headers.get('cache-control')).toBe('no-store')
    const body = (await response.json()) as { access_token: string; token_type: string; expires_in: number }
    expect(body).toMatchObject({ token_type: 'Bearer', expires_in: 60 })
    const { payload, protectedHeader } = await jwtVerify(
      body.access_token,
      createLocalJWKSet(issuer.publicJwks()),
      {
        currentDate: new Date(1_900_000_000_000),
      },
    )
    expect(payload).toEqual({
      iss: 'https://issuer.test',
      aud: 'https://api.test',
      sub: 'bob',
      scope: 'admin',
      iat: 1_900_000_000,
      exp: 1_900_000_060,
    })
    expect(protectedHeader.alg).toBe('ES256')

    const defaults = (await (await issuer.fetch(...post('/token'))).json()) as {
      access_token: string
      expires_in: number
    }
    expect(defaults.expires_in).toBe(300)
    expect(decodeProtectedHeader(defaults.access_token).alg).toBe('RS256')
    const noKid = (await (await issuer.fetch(...post('/token', { kid: null }))).json()) as {
      access_token: string
    }
    expect(decodeProtectedHeader(noKid.access_token).kid).toBeUndefined()
  })

  it('POST /rotate rotates and answers the new kid', async () => {
    const issuer = await createTestIssuer({ admin: true })
    const response = await issuer.fetch(...post('/rotate', { alg: 'EdDSA', keepPrevious: false }))
    const { kid } = (await response.json()) as { kid: string }
    expect(issuer.keys).toEqual([{ kid, alg: 'EdDSA' }])
  })

  it('POST /fail sets and clears failure modes', async () => {
    const issuer = await createTestIssuer({ admin: true })
    const set = await issuer.fetch(...post('/fail', { mode: { kind: 'status', status: 503 }, target: 'all' }))
    expect(set.status).toBe(204)
    expect((await issuer.fetch(issuer.jwksUri)).status).toBe(503)
    expect((await issuer.fetch('https://issuer.test/.well-known/openid-configuration')).status).toBe(503)
    // Admin routes stay reachable whatever the mode, so a test can always heal the issuer.
    expect((await issuer.fetch(...post('/fail', { mode: null }))).status).toBe(204)
    expect((await issuer.fetch(issuer.jwksUri)).status).toBe(200)
  })

  it('answers 400 to bad input and 404 to anything else, counting all as admin', async () => {
    const issuer = await createTestIssuer({ admin: true })
    const bad = await Promise.all([
      issuer.fetch(...post('/token', { alg: 'HS256' })),
      issuer.fetch(...post('/token', { alg: 'ES256' })),
      issuer.fetch(...post('/fail', { mode: { kind: 'nope' } })),
      issuer.fetch(...post('/rotate', [])),
      issuer.fetch('https://issuer.test/rotate', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{',
      }),
    ])
    expect(bad.map((r) => r.status)).toEqual([400, 400, 400, 400, 400])
    expect(await bad[1]?.json()).toMatchObject({
      error: 'invalid_request',
      error_description: /no ES256 key/,
    })
    expect((await issuer.fetch('https://issuer.test/token')).status).toBe(404)
    expect((await issuer.fetch(...post('/other'))).status).toBe(404)
    expect(issuer.counts).toEqual({ discovery: 0, jwks: 0, unexpected: 1, admin: 6 })
  })

  it('refuses a body a cross-site form could send (no preflight): 415 before reading it', async () => {
    const issuer = await createTestIssuer({ admin: true })
    const kids = issuer.keys
    const refused = await Promise.all(
      ['token', 'rotate', 'fail'].map((route) =>
        issuer.fetch(`https://issuer.test/${route}`, {
          method: 'POST',
          headers: { 'content-type': 'text/plain;charset=UTF-8' },
          body: '{"mode":{"kind":"down"}}',
        }),
      ),
    )
    expect(refused.map((r) => r.status)).toEqual([415, 415, 415])
    expect(issuer.keys).toEqual(kids)
    expect((await issuer.fetch(issuer.jwksUri)).status).toBe(200)
  })

  it('advertises token_endpoint in discovery', async () => {
    const issuer = await createTestIssuer({ admin: true, discovery: 'oauth' })
    const doc = await (
      await issuer.fetch('https://issuer.test/.well-known/oauth-authorization-server')
    ).json()
    expect(doc).toMatchObject({ token_endpoint: 'https://issuer.test/token' })
  })
})
