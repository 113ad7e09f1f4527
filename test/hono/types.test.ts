import { type Context, Hono } from 'hono'
import type { JWTPayload } from 'jose'
import { describe, expectTypeOf, it } from 'vitest'
import type { JwtAuthErrorCode } from '../../src/errors.js'
import { type AuthContext, type JwksAuthEnv, jwksAuth, requireScopes } from '../../src/hono/index.js'

interface Claims extends JWTPayload {
  sub: string
  tenant: 'north' | 'south'
}

const options = { issuer: 'https://issuer.test', audience: 'https://api.test' }

// Checked by `tsc`; the handlers never need to run. No global augmentation is involved: the
// types flow from the middleware's generic into the routes declared with it.
describe('Hono types', () => {
  it('types c.get("auth") through the middleware chained onto the app', () => {
    new Hono().use('/api/*', jwksAuth<Claims>(options)).get('/api/me', (c) => {
      expectTypeOf(c.get('auth')).toEqualTypeOf<AuthContext<Claims>>()
      expectTypeOf(c.get('auth').payload.tenant).toEqualTypeOf<'north' | 'south'>()
      expectTypeOf(c.get('auth').payload).not.toBeAny()
      expectTypeOf(c.get('auth').token).toEqualTypeOf<string>()
      expectTypeOf(c.get('auth').kid).toEqualTypeOf<string | undefined>()
      return c.text('ok')
    })
  })

  it('types it for a middleware given inline to one route', () => {
    new Hono().get('/me', jwksAuth(options), (c) => {
      expectTypeOf(c.get('auth').payload).toEqualTypeOf<JWTPayload>()
      return c.text('ok')
    })
  })

  it('types it for an app declared with JwksAuthEnv, and behind requireScopes', () => {
    const app = new Hono<JwksAuthEnv<Claims>>()
    app.use('/api/*', jwksAuth<Claims>(options))
    app.get('/api/admin', requireScopes('admin'), (c) => {
      expectTypeOf(c.get('auth').payload.tenant).toEqualTypeOf<'north' | 'south'>()
      return c.text('ok')
    })
  })

  it('makes auth possibly undefined when the middleware is optional', () => {
    new Hono().use(jwksAuth({ ...options, optional: true })).get('/', (c) => {
      expectTypeOf(c.get('auth')).toEqualTypeOf<AuthContext | undefined>()
      return c.text('ok')
    })
  })

  it('gives onError the JwtAuthError and the Hono Context', () => {
    jwksAuth({
      ...options,
      onError: (error, c) => {
        expectTypeOf(error.code).toEqualTypeOf<JwtAuthErrorCode>()
        expectTypeOf(c).toEqualTypeOf<Context>()
      },
    })
  })
})
