import express from 'express'
import { afterEach, describe, expect, it } from 'vitest'
import { type JwksAuthOptions, jwksAuth, requireScopes } from '../../src/express/index.js'
import { entraPreset, type ProviderPreset } from '../../src/testing/index.js'
import { providerIssuer } from '../helpers/providers.js'
import { type Listening, listen } from './support/express-app.js'
import { BODY, CHALLENGE } from './support/spec-rows.js'

const servers: Listening[] = []
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()))
})

/** An Express app on a real socket: `/me` behind `jwksAuth(options)`, `/scoped` also needs `scope`. */
async function serverFor(preset: ProviderPreset, options: Partial<JwksAuthOptions> = {}, scope = 'none') {
  const { idp, clock, token } = await providerIssuer(preset)
  let calls = 0
  const app = express()
  app.use(
    jwksAuth({
      issuer: preset.issuer,
      audience: preset.audience,
      fetch: idp.fetch,
      now: clock.now,
      ...options,
    }),
  )
  app.get('/me', (req, res) => {
    calls += 1
    res.json({ sub: (req as express.Request & { auth: { payload: { sub?: string } } }).auth.payload.sub })
  })
  app.get('/scoped', requireScopes(scope), (_req, res) => {
    calls += 1
    res.json({ ok: true })
  })
  const server = await listen(app)
  servers.push(server)
  const get = (path: string, headers: Record<string, string> = {}) =>
    fetch(`${server.url}${path}`, { headers })
  return { idp, clock, token, get, calls: () => calls }
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` })

describe('Express with real providers', () => {
  it('Entra scp string: requireScopes admits a granted scope and names a missing one', async () => {
    const ok = await serverFor(entraPreset(), {}, 'User.Read')
    expect((await ok.get('/scoped', bearer(await ok.token()))).status).toBe(200)
    const missing = await serverFor(entraPreset(), {}, 'Orders.Write')
    const response = await missing.get('/scoped', bearer(await missing.token()))
    expect(response.status).toBe(403)
    expect(response.headers.get('www-authenticate')).toBe(CHALLENGE.insufficientScope('Orders.Write'))
    expect(await response.json()).toEqual(BODY.insufficientScope)
    expect(missing.calls()).toBe(0)
  })
})
