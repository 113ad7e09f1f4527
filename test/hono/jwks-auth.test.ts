import { Hono } from 'hono'
import { beforeAll, describe, expect, it, vi } from 'vitest'
import { type JwksAuthEnv, jwksAuth, type OptionalJwksAuthEnv, requireScopes } from '../../src/hono/index.js'
import { isJwtAuthError, type JwtAuthError, VerifierConfigError } from '../../src/index.js'
import { createTestIssuer, type TestIssuer } from '../../src/testing/index.js'
import { BODY, CHALLENGE, PATHS } from '../middleware/support/answer-rows.js'
import { baseOptions, honoApp } from '../middleware/support/hono-app.js'
import { mintTokens, type Tokens } from '../middleware/support/tokens.js'

const bearer = (token: string) => ({ authorization: `Bearer ${token}` })

describe('Hono jwksAuth', () => {
  let idp: TestIssuer
  let tokens: Tokens

  beforeAll(async () => {
    idp = await createTestIssuer({ algorithms: ['RS256', 'ES256'] })
    tokens = await mintTokens(idp)
  })

  it('hands the verified identity to the handler as c.get("auth")', async () => {
    const app = new Hono<JwksAuthEnv>()
    app.use('/api/*', jwksAuth(baseOptions(idp)))
    app.get('/api/me', (c) => c.json(c.get('auth')))
    const response = await app.request('/api/me', { headers: bearer(tokens.valid) })
    expect(response.status).toBe(200)
    const auth = await response.json()
    expect(Object.keys(auth).sort()).toEqual(['issuer', 'kid', 'payload', 'protectedHeader', 'token'])
    expect(auth).toMatchObject({ issuer: idp.issuer, kid: idp.keys[0]?.kid, token: tokens.valid })
    expect(auth.payload).toMatchObject({ sub: 'user-1', scope: 'read', iss: idp.issuer, aud: idp.audience })
    expect(auth.protectedHeader).toMatchObject({ alg: 'RS256', kid: idp.keys[0]?.kid })
  })

  it.each(['Bearer', 'bearer', 'BEARER', 'bEaReR'])('accepts the scheme spelled %s', async (scheme) => {
    const { app, calls } = honoApp(idp)
    const response = await app.request(PATHS.items, {
      headers: { authorization: `${scheme} ${tokens.valid}` },
    })
    expect(response.status).toBe(200)
    expect(calls()).toBe(1)
  })

  it('builds the verifier once: many requests, one discovery and one JWKS fetch', async () => {
    const fresh = await createTestIssuer()
    const token = await fresh.sign()
    const { app, calls } = honoApp(fresh)
    const concurrent = await Promise.all(
      Array.from({ length: 20 }, () => app.request(PATHS.items, { headers: bearer(token) })),
    )
    for (let i = 0; i < 20; i += 1) {
      expect((await app.request(PATHS.items, { headers: bearer(token) })).status).toBe(200)
    }
    expect(concurrent.map((r) => r.status)).toEqual(Array(20).fill(200))
    expect(calls()).toBe(40)
    expect({ ...fresh.counts }).toMatchObject({ discovery: 1, jwks: 1, unexpected: 0 })
  })

  it('reads the token from a cookie or ?access_token= only when enabled', async () => {
    const cookie = { cookie: `theme=dark; session=${tokens.valid}` }
    const query = `${PATHS.items}?access_token=${tokens.valid}`
    expect((await honoApp(idp).app.request(PATHS.items, { headers: cookie })).status).toBe(401)
    expect((await honoApp(idp).app.request(query)).status).toBe(401)
    expect(
      (await honoApp(idp, { cookie: 'session' }).app.request(PATHS.items, { headers: cookie })).status,
    ).toBe(200)
    expect((await honoApp(idp, { query: true }).app.request(query)).status).toBe(200)
  })

  describe('optional: true', () => {
    function optionalApp() {
      const seen: unknown[] = []
      const app = new Hono<OptionalJwksAuthEnv>()
      app.use('*', jwksAuth({ ...baseOptions(idp), optional: true }))
      app.get('/', (c) => {
        seen.push(c.get('auth'))
        return c.text(c.get('auth')?.payload.sub ?? 'anonymous')
      })
      return { app, seen }
    }

    it('lets a request without a token through, without identity', async () => {
      const { app, seen } = optionalApp()
      const response = await app.request('/')
      expect(await response.text()).toBe('anonymous')
      expect(seen).toEqual([undefined])
    })

    it('still verifies a token that is there', async () => {
      const { app, seen } = optionalApp()
      expect(await (await app.request('/', { headers: bearer(tokens.valid) })).text()).toBe('user-1')
      const expired = await app.request('/', { headers: bearer(tokens.expired) })
      expect(expired.status).toBe(401)
      expect(expired.headers.get('www-authenticate')).toBe(CHALLENGE.invalidToken)
      expect((await app.request('/', { headers: { authorization: 'Bearer ' } })).status).toBe(400)
      expect(seen).toHaveLength(1)
    })
  })

  describe('CORS preflight', () => {
    it('passes OPTIONS with Access-Control-Request-Method through unauthenticated', async () => {
      const app = new Hono()
      app.use('/api/*', jwksAuth(baseOptions(idp)))
      app.use('/api/admin', requireScopes('admin'))
      app.options('/api/*', (c) => c.body(null, 204, { 'access-control-allow-origin': '*' }))
      const preflight = { 'access-control-request-method': 'GET', origin: 'https://app.test' }
      for (const path of ['/api/items', '/api/admin']) {
        const response = await app.request(path, { method: 'OPTIONS', headers: preflight })
        expect(response.status).toBe(204)
      }
      expect((await app.request('/api/items', { method: 'OPTIONS' })).status).toBe(401)
      expect(idp.counts.unexpected).toBe(0)
    })
  })

  describe('requireScopes', () => {
    it.each([
      ['scope string', 'scopeAdmin'],
      ['scp array', 'scpAdmin'],
    ] as const)('admits a token granting the scope as a %s', async (_kind, name) => {
      const { app, calls } = honoApp(idp)
      expect((await app.request(PATHS.admin, { headers: bearer(tokens[name]) })).status).toBe(200)
      expect(calls()).toBe(1)
    })

    it('needs every scope listed, and names them all in the challenge', async () => {
      const app = new Hono()
      app.use('*', jwksAuth({ ...baseOptions(idp), realm: 'orders' }))
      app.get('/', requireScopes('read', 'admin', 'write'), (c) => c.text('ok'))
      const response = await app.request('/', { headers: bearer(tokens.scopeAdmin) })
      expect(response.status).toBe(403)
      expect(response.headers.get('www-authenticate')).toBe(
        'Bearer realm="orders", error="insufficient_scope", scope="read admin write"',
      )
    })

    it('answers the 401 challenge when no identity was verified', async () => {
      const handler = vi.fn()
      const app = new Hono()
      app.use('/optional/*', jwksAuth({ ...baseOptions(idp), optional: true, realm: 'opt' }))
      app.get('/optional/admin', requireScopes('admin'), handler)
      app.get('/unguarded', requireScopes('admin'), handler)
      const optional = await app.request('/optional/admin')
      expect(optional.status).toBe(401)
      expect(optional.headers.get('www-authenticate')).toBe('Bearer realm="opt"')
      const unguarded = await app.request('/unguarded', { headers: bearer(tokens.scopeAdmin) })
      expect(unguarded.status).toBe(401)
      expect(unguarded.headers.get('www-authenticate')).toBe(CHALLENGE.missing)
      expect(handler).not.toHaveBeenCalled()
    })

    it.each([[[]], [['read write']], [['']], [['a"b']]])(
      'refuses %j when the route is declared',
      (scopes) => {
        expect(() => requireScopes(...scopes)).toThrow(VerifierConfigError)
      },
    )
  })

  describe('onError', () => {
    it('observes every rejection with its precise code, which the client never sees', async () => {
      const seen: string[] = []
      const app = new Hono()
      app.use('*', jwksAuth({ ...baseOptions(idp), onError: (error) => void seen.push(error.code) }))
      app.get('/admin', requireScopes('admin'), (c) => c.text('ok'))
      await app.request('/admin')
      await app.request('/admin', { headers: bearer('') })
      // A valid token first: on a cold cache an expired token is refused before any fetch.
      await app.request('/admin', { headers: bearer(tokens.valid) })
      await app.request('/admin', { headers: bearer(tokens.expired) })
      expect(seen).toEqual([
        'ERR_TOKEN_MISSING',
        'ERR_REQUEST_INVALID',
        'ERR_INSUFFICIENT_SCOPE',
        'ERR_TOKEN_EXPIRED',
      ])
    })

    it('cannot change the answer: a throw, a rejection or a return value are ignored', async () => {
      const hooks: ((error: JwtAuthError) => unknown)[] = [
        () => {
          throw new Error('observer bug')
        },
        () => Promise.reject(new Error('observer bug')),
        () => new Response('ok', { status: 200 }),
      ]
      for (const hook of hooks) {
        const app = new Hono()
        app.use('*', jwksAuth({ ...baseOptions(idp), onError: hook as () => void }))
        app.get('/', (c) => c.text('handler'))
        const response = await app.request('/', { headers: bearer(tokens.expired) })
        expect(response.status).toBe(401)
        expect(await response.json()).toEqual(BODY.invalidToken)
      }
      // A rejected observer promise left unhandled would fail the run (vitest reports it).
      await new Promise((resolve) => setTimeout(resolve, 0))
    })

    it('keeps an async observer alive with waitUntil on Workers', async () => {
      const waitUntil = vi.fn()
      const app = new Hono()
      app.use('*', jwksAuth({ ...baseOptions(idp), onError: async () => {} }))
      app.get('/', (c) => c.text('handler'))
      await app.request('/', {}, {}, { waitUntil, passThroughOnException() {}, props: {} })
      expect(waitUntil).toHaveBeenCalledTimes(1)
      expect(waitUntil.mock.calls[0]?.[0]).toBeInstanceOf(Promise)
    })
  })

  it('passes c.executionCtx.waitUntil to the verifier for background refreshes', async () => {
    const fresh = await createTestIssuer()
    const token = await fresh.sign({}, { expiresInSeconds: 3600 })
    let now = Date.now()
    const app = new Hono()
    app.use('*', jwksAuth({ ...baseOptions(fresh), now: () => now }))
    app.get('/', (c) => c.text('ok'))
    const waitUntil = vi.fn()
    const ctx = { waitUntil, passThroughOnException() {}, props: {} }
    expect((await app.request('/', { headers: bearer(token) }, {}, ctx)).status).toBe(200)
    // Past 80% of the JWKS's 600 s max-age the set is refreshed in the background.
    now += 500_000
    expect((await app.request('/', { headers: bearer(token) }, {}, ctx)).status).toBe(200)
    const refresh = waitUntil.mock.calls.at(-1)?.[0]
    expect(refresh).toBeInstanceOf(Promise)
    await refresh
    expect(fresh.counts.jwks).toBe(2)
  })

  describe('never a 500 for anything a client or issuer can send', () => {
    it.each([
      [
        'a clock',
        {
          now: (): number => {
            throw new TypeError('clock bug')
          },
        },
      ],
      [
        'a claims check',
        {
          check: (): boolean => {
            throw new TypeError('check bug')
          },
        },
      ],
    ])('maps an unexpected throw of %s to 401', async (_name, broken) => {
      const app = new Hono()
      app.use('*', jwksAuth({ ...baseOptions(idp), ...broken }))
      app.get('/', (c) => c.text('handler'))
      const response = await app.request('/', { headers: bearer(tokens.valid) })
      expect(response.status).toBe(401)
      expect(response.headers.get('www-authenticate')).toBe(CHALLENGE.invalidToken)
    })

    it('maps a fetch that throws synchronously to 503 with Retry-After', async () => {
      const app = new Hono()
      const fetch = () => {
        throw new TypeError('fetch bug')
      }
      app.use('*', jwksAuth({ ...baseOptions(idp), fetch }))
      app.get('/', (c) => c.text('handler'))
      const response = await app.request('/', { headers: bearer(tokens.valid) })
      expect(response.status).toBe(503)
      expect(response.headers.get('retry-after')).toMatch(/^\d+$/)
    })

    it('answers one clean 400 for header + query tokens while the JWKS is down (docs/SECURITY.md row 66)', async () => {
      const fresh = await createTestIssuer()
      fresh.fail({ kind: 'down' }, 'all')
      const { app } = honoApp(fresh, { query: true })
      const token = await fresh.sign()
      const response = await app.request(`${PATHS.items}?access_token=${token}`, { headers: bearer(token) })
      expect(response.status).toBe(400)
      expect({ ...fresh.counts }).toMatchObject({ discovery: 0, jwks: 0 })
    })

    it('leaves an error of the handler to the app instead of turning it into a 401', async () => {
      const app = new Hono()
      app.use('*', jwksAuth(baseOptions(idp)))
      app.get('/', () => {
        throw new Error('handler bug')
      })
      app.onError((error, c) => c.text(isJwtAuthError(error) ? 'ours' : 'app', 500))
      const response = await app.request('/', { headers: bearer(tokens.valid) })
      expect([response.status, await response.text()]).toEqual([500, 'app'])
    })
  })

  it.each([
    ['an issuer that cannot be fetched', { issuer: 'http://idp.example.com' }],
    ['a realm that is not a string', { realm: 7 }],
    ['a cookie name with a space', { cookie: 'my cookie' }],
    ['a non-boolean query', { query: 'yes' }],
  ])('throws VerifierConfigError at construction for %s', (_name, bad) => {
    expect(() => jwksAuth({ ...baseOptions(idp), ...(bad as object) })).toThrow(VerifierConfigError)
  })
})
