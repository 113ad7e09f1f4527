import { request as httpRequest } from 'node:http'
import express, { type ErrorRequestHandler, type Request } from 'express'
import type { JWTPayload } from 'jose'
import { afterEach, beforeAll, describe, expect, expectTypeOf, it, vi } from 'vitest'
import {
  type AuthContext,
  getAuth,
  httpAnswer,
  isJwtAuthError,
  type JwtAuthErrorCode,
  type JwtAuthRequest,
  jwksAuth,
  requireScopes,
  withAuth,
} from '../../src/express/index.js'
import { VerifierConfigError } from '../../src/index.js'
import { createTestIssuer, type TestIssuer } from '../../src/testing/index.js'
import { BODY, CHALLENGE } from '../middleware/support/answer-rows.js'
import { baseOptions, type Listening, listen } from '../middleware/support/express-app.js'
import { mintTokens, type Tokens } from '../middleware/support/tokens.js'

const bearer = (token: string) => ({ authorization: `Bearer ${token}` })

describe('Express jwksAuth', () => {
  let idp: TestIssuer
  let tokens: Tokens
  let server: Listening | undefined

  beforeAll(async () => {
    idp = await createTestIssuer({ algorithms: ['RS256', 'ES256'] })
    tokens = await mintTokens(idp)
  })

  afterEach(async () => {
    await server?.close()
    server = undefined
  })

  async function serve(app: express.Express): Promise<string> {
    server = await listen(app)
    return server.url
  }

  it('sets req.auth to the verified identity', async () => {
    const app = express()
    app.use(jwksAuth(baseOptions(idp)))
    app.get('/me', (req, res) => {
      res.json({ auth: (req as JwtAuthRequest).auth, same: getAuth(req) === (req as JwtAuthRequest).auth })
    })
    const url = await serve(app)
    const { auth, same } = await (await fetch(`${url}/me`, { headers: bearer(tokens.valid) })).json()
    expect(same).toBe(true)
    expect(Object.keys(auth).sort()).toEqual(['issuer', 'kid', 'payload', 'protectedHeader', 'token'])
    expect(auth).toMatchObject({ issuer: idp.issuer, kid: idp.keys[0]?.kid, token: tokens.valid })
    expect(auth.payload).toMatchObject({ sub: 'user-1', scope: 'read' })
  })

  it('rejects two Authorization header lines, which Node folds to the first in req.headers', async () => {
    const handler = vi.fn()
    const app = express()
    app.use(jwksAuth(baseOptions(idp)), handler)
    const url = new URL(await serve(app))
    const before = idp.counts.jwks
    const status = await new Promise<number>((resolve, reject) => {
      const req = httpRequest({ host: url.hostname, port: url.port, path: '/' }, (res) => {
        res.resume()
        resolve(res.statusCode ?? 0)
      })
      req.setHeader('authorization', [`Bearer ${tokens.valid}`, `Bearer ${tokens.valid}`])
      req.on('error', reject)
      req.end()
    })
    expect(status).toBe(400)
    expect(handler).not.toHaveBeenCalled()
    expect(idp.counts.jwks).toBe(before)
  })

  it('builds the verifier once, accepts any case of Bearer, reads cookie and query when enabled', async () => {
    const fresh = await createTestIssuer()
    const token = await fresh.sign()
    const app = express()
    app.use('/header', jwksAuth(baseOptions(fresh)))
    app.use('/cookie', jwksAuth({ ...baseOptions(fresh), cookie: 'session' }))
    app.use('/query', jwksAuth({ ...baseOptions(fresh), query: true }))
    app.use((_req, res) => void res.send('ok'))
    const url = await serve(app)
    const statuses = await Promise.all(
      ['Bearer', 'bearer', 'BEARER'].flatMap((scheme) =>
        Array.from({ length: 5 }, () =>
          fetch(`${url}/header`, { headers: { authorization: `${scheme} ${token}` } }).then((r) => r.status),
        ),
      ),
    )
    expect(statuses).toEqual(Array(15).fill(200))
    expect({ ...fresh.counts }).toMatchObject({ discovery: 1, jwks: 1 })
    expect((await fetch(`${url}/cookie`, { headers: { cookie: `session=${token}` } })).status).toBe(200)
    expect((await fetch(`${url}/query/x?access_token=${token}`)).status).toBe(200)
    expect((await fetch(`${url}/header?access_token=${token}`)).status).toBe(401)
  })

  it.each([
    'access_token[]=X',
    'access_token[0]=X',
    'access_token[a]=X',
    'access_token[][b]=X',
    'access_token%5B%5D=X',
    'ACCESS_TOKEN=X',
    'access.token=X',
    'access%20token=X',
  ])('with the qs query parser, ?%s beside a header token is a second token: 400', async (query) => {
    const handler = vi.fn((req: Request, res: express.Response) => void res.json(req.query))
    const app = express()
    app.set('query parser', 'extended')
    app.use('/header', jwksAuth(baseOptions(idp)), handler)
    app.use('/query', jwksAuth({ ...baseOptions(idp), query: true }), handler)
    const url = await serve(app)
    const before = { ...idp.counts }
    for (const path of ['/header', '/query']) {
      const response = await fetch(`${url}${path}?${query}`, { headers: bearer(tokens.valid) })
      expect(response.status, path).toBe(400)
      expect(response.headers.get('www-authenticate')).toBe(CHALLENGE.invalidRequest)
      expect(await response.json()).toEqual(BODY.invalidRequest)
    }
    expect(handler).not.toHaveBeenCalled()
    expect({ ...idp.counts }).toEqual(before)
    // Without a header token nothing is taken from a look-alike name: no token at all.
    const alone = await fetch(`${url}/query?${query}`)
    expect([alone.status, alone.headers.get('www-authenticate')]).toEqual([401, CHALLENGE.missing])
  })

  it('optional: lets a request without a token through, and still rejects a bad one', async () => {
    const app = express()
    app.use(jwksAuth({ ...baseOptions(idp), optional: true }))
    app.get('/', (req, res) => void res.send(getAuth(req)?.payload.sub ?? 'anonymous'))
    app.get(
      '/me',
      withAuth((req, res) => void res.send(req.auth.payload.sub)),
    )
    const url = await serve(app)
    expect(await (await fetch(url)).text()).toBe('anonymous')
    expect(await (await fetch(url, { headers: bearer(tokens.valid) })).text()).toBe('user-1')
    expect((await fetch(url, { headers: bearer(tokens.expired) })).status).toBe(401)
    const me = await fetch(`${url}/me`)
    expect([me.status, me.headers.get('www-authenticate')]).toEqual([401, CHALLENGE.missing])
  })

  it('lets a CORS preflight through unauthenticated', async () => {
    const app = express()
    app.use(jwksAuth(baseOptions(idp)), requireScopes('admin'))
    app.options('/{*any}', (_req, res) => void res.sendStatus(204))
    const url = await serve(app)
    const preflight = { 'access-control-request-method': 'GET', origin: 'https://app.test' }
    expect((await fetch(`${url}/x`, { method: 'OPTIONS', headers: preflight })).status).toBe(204)
    expect((await fetch(`${url}/x`, { method: 'OPTIONS' })).status).toBe(401)
  })

  it('requireScopes: scope string or scp array, every scope named in the challenge and the realm kept', async () => {
    const app = express()
    app.use(jwksAuth({ ...baseOptions(idp), realm: 'orders' }))
    app.get('/admin', requireScopes('admin'), (_req, res) => void res.send('ok'))
    app.get('/many', requireScopes('read', 'admin', 'write'), (_req, res) => void res.send('ok'))
    const url = await serve(app)
    expect((await fetch(`${url}/admin`, { headers: bearer(tokens.scopeAdmin) })).status).toBe(200)
    expect((await fetch(`${url}/admin`, { headers: bearer(tokens.scpAdmin) })).status).toBe(200)
    const many = await fetch(`${url}/many`, { headers: bearer(tokens.scopeAdmin) })
    expect(many.status).toBe(403)
    expect(many.headers.get('www-authenticate')).toBe(
      'Bearer realm="orders", error="insufficient_scope", scope="read admin write"',
    )
    expect(() => requireScopes()).toThrow(VerifierConfigError)
    expect(() => requireScopes('read write')).toThrow(VerifierConfigError)
  })

  it('trusts only the identity jwksAuth verified, not a req.auth set by someone else', async () => {
    const handler = vi.fn()
    const app = express()
    app.use((req, _res, next) => {
      ;(req as Request & { auth: unknown }).auth = { payload: { scope: 'admin' } }
      next()
    })
    app.get('/admin', requireScopes('admin'), handler)
    app.get('/me', withAuth(handler))
    const url = await serve(app)
    expect((await fetch(`${url}/admin`)).status).toBe(401)
    expect((await fetch(`${url}/me`)).status).toBe(401)
    expect(handler).not.toHaveBeenCalled()
  })

  it('passErrors: hands the JwtAuthError to the error handler, which can answer with httpAnswer', async () => {
    const seen: JwtAuthErrorCode[] = []
    const handler = vi.fn()
    const onError: ErrorRequestHandler = (error, req, res, _next) => {
      if (!isJwtAuthError(error)) throw error
      seen.push(error.code)
      const answer = httpAnswer(error, { realm: 'api', method: req.method })
      res
        .status(answer.status)
        .set(answer.headers)
        .json({ ...answer.body, custom: true })
    }
    const app = express()
    app.use(jwksAuth({ ...baseOptions(idp), passErrors: true }))
    app.get('/admin', requireScopes('admin'), handler)
    app.use(onError)
    const url = await serve(app)
    const missing = await fetch(`${url}/admin`)
    expect(missing.status).toBe(401)
    expect(await missing.json()).toEqual({ ...BODY.missing, custom: true })
    const forbidden = await fetch(`${url}/admin`, { headers: bearer(tokens.valid) })
    expect([forbidden.status, forbidden.headers.get('www-authenticate')]).toEqual([
      403,
      CHALLENGE.insufficientScope('admin'),
    ])
    expect(seen).toEqual(['ERR_TOKEN_MISSING', 'ERR_INSUFFICIENT_SCOPE'])
    expect(handler).not.toHaveBeenCalled()
  })

  it('onError observes with the request and cannot change the answer', async () => {
    const seen: [JwtAuthErrorCode, string][] = []
    const app = express()
    app.use(
      jwksAuth({
        ...baseOptions(idp),
        onError: (error, req) => {
          seen.push([error.code, req.path])
          throw new Error('observer bug')
        },
      }),
    )
    app.get('/x', (_req, res) => void res.send('handler'))
    const url = await serve(app)
    // Warm the key cache: on a cold cache an expired token is refused before any fetch.
    expect((await fetch(`${url}/x`, { headers: bearer(tokens.valid) })).status).toBe(200)
    const response = await fetch(`${url}/x`, { headers: bearer(tokens.expired) })
    expect([response.status, await response.json()]).toEqual([401, BODY.invalidToken])
    expect(seen).toEqual([['ERR_TOKEN_EXPIRED', '/x']])
  })

  it('never answers 500: a throwing clock is a 401, a throwing fetch a 503', async () => {
    const app = express()
    const clockBug = (): number => {
      throw new TypeError('clock bug')
    }
    const fetchBug = (): Promise<Response> => {
      throw new TypeError('fetch bug')
    }
    app.use('/clock', jwksAuth({ ...baseOptions(idp), now: clockBug }))
    app.use('/fetch', jwksAuth({ ...baseOptions(idp), fetch: fetchBug }))
    app.use((_req, res) => void res.send('handler'))
    const url = await serve(app)
    expect((await fetch(`${url}/clock`, { headers: bearer(tokens.valid) })).status).toBe(401)
    const unavailable = await fetch(`${url}/fetch`, { headers: bearer(tokens.valid) })
    expect(unavailable.status).toBe(503)
    expect(unavailable.headers.get('retry-after')).toMatch(/^\d+$/)
  })

  it('needs nothing of Express: a bare node:http server drives it like Express 4 does', async () => {
    const middleware = jwksAuth(baseOptions(idp))
    server = await listen((req, res) => {
      // Express 4 calls middleware with (req, res, next) and ignores any returned promise.
      const returned: unknown = middleware(req as Request, res as never, (error?: unknown) => {
        res.end(error === undefined ? `ok ${getAuth(req as Request)?.payload.sub}` : 'error')
      })
      expect(returned).toBeUndefined()
    })
    expect(await (await fetch(server.url, { headers: bearer(tokens.valid) })).text()).toBe('ok user-1')
    const head = await fetch(server.url, { method: 'HEAD', headers: bearer(tokens.expired) })
    expect([head.status, head.headers.get('www-authenticate'), await head.text()]).toEqual([
      401,
      CHALLENGE.invalidToken,
      '',
    ])
  })

  it('throws VerifierConfigError at construction for bad options', () => {
    expect(() => jwksAuth({ ...baseOptions(idp), passErrors: 'yes' as unknown as boolean })).toThrow(
      VerifierConfigError,
    )
    expect(() => jwksAuth({ issuer: 'http://idp.example.com' })).toThrow(VerifierConfigError)
    expect(() => jwksAuth(undefined as never)).toThrow(VerifierConfigError)
  })

  it('types req.auth in withAuth and getAuth without a global augmentation', () => {
    interface Claims extends JWTPayload {
      tenant: 'north' | 'south'
    }
    withAuth<Claims>((req) => {
      expectTypeOf(req.auth).toEqualTypeOf<AuthContext<Claims>>()
      expectTypeOf(req.auth.payload.tenant).toEqualTypeOf<'north' | 'south'>()
    })
    expectTypeOf(getAuth<Claims>).returns.toEqualTypeOf<AuthContext<Claims> | undefined>()
    // @ts-expect-error: without withAuth/getAuth, a plain Express request has no `auth`
    ;(req: Request) => req.auth
  })
})
