import express from 'express'
import { afterEach, describe, expect, it } from 'vitest'
import { jwksAuth } from '../../src/express/index.js'
import { createAlbTestSigner } from '../../src/testing/index.js'
import { manualClock } from '../helpers/clock.js'
import { BODY, CHALLENGE } from '../middleware/support/answer-rows.js'
import { type Listening, listen } from '../middleware/support/express-app.js'
import { ALB_REFUSALS } from '../middleware/support/provider-cases.js'

const servers: Listening[] = []
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()))
})

/** An Express app on a real socket behind an AWS ALB: `/me` reads the identity in x-amzn-oidc-data. */
async function albServer() {
  const clock = manualClock()
  const alb = await createAlbTestSigner({ now: clock.now })
  let calls = 0
  const app = express()
  app.use(
    jwksAuth({
      issuer: { issuer: alb.issuer, awsAlb: { signers: [alb.signer] }, clientIds: [alb.client] },
      tokenHeader: 'x-amzn-oidc-data',
      fetch: alb.fetch,
      now: clock.now,
    }),
  )
  app.get('/me', (req, res) => {
    calls += 1
    res.json({
      email: (req as express.Request & { auth: { payload: { email?: string } } }).auth.payload.email,
    })
  })
  const server = await listen(app)
  servers.push(server)
  const get = (headers: Record<string, string>) => fetch(`${server.url}/me`, { headers })
  return { alb, get, calls: () => calls }
}

describe('Express behind an AWS ALB (awsAlb + tokenHeader x-amzn-oidc-data)', () => {
  it('admits the padded token ALB signs', async () => {
    const { alb, get } = await albServer()
    const response = await get({ 'x-amzn-oidc-data': await alb.sign() })
    expect(response.status).toBe(200)
    expect(await response.json()).toEqual({ email: 'jane@example.com' })
    expect(alb.counts.keys).toBe(1)
  })

  it.each(ALB_REFUSALS)(
    'refuses %s: 401 invalid_token, handler not called, no key fetched',
    async (_, options) => {
      const { alb, get, calls } = await albServer()
      const response = await get({ 'x-amzn-oidc-data': await alb.sign({}, options) })
      expect(response.status).toBe(401)
      expect(response.headers.get('www-authenticate')).toBe(CHALLENGE.invalidToken)
      expect(await response.json()).toEqual(BODY.invalidToken)
      expect(calls()).toBe(0)
      expect(alb.counts.keys).toBe(0)
    },
  )

  it('the key endpoint down: 503 with Retry-After, handler not called', async () => {
    const { alb, get, calls } = await albServer()
    alb.fail({ kind: 'status', status: 500 })
    const response = await get({ 'x-amzn-oidc-data': await alb.sign() })
    expect(response.status).toBe(503)
    expect(response.headers.get('retry-after')).toBe('1')
    expect(calls()).toBe(0)
  })
})
