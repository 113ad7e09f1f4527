import { Hono } from 'hono'
import { describe, expect, it } from 'vitest'
import { type JwksAuthEnv, jwksAuth } from '../../src/hono/index.js'
import { createAlbTestSigner } from '../../src/testing/index.js'
import { manualClock } from '../helpers/clock.js'
import { BODY, CHALLENGE } from '../middleware/support/answer-rows.js'
import { ALB_REFUSALS } from '../middleware/support/provider-cases.js'

/** A Hono app behind an AWS ALB: `/api/me` reads the identity ALB signs in x-amzn-oidc-data. */
async function albApp() {
  const clock = manualClock()
  const alb = await createAlbTestSigner({ now: clock.now })
  let calls = 0
  const app = new Hono<JwksAuthEnv>()
  app.use(
    '/api/*',
    jwksAuth({
      issuer: { issuer: alb.issuer, awsAlb: { signers: [alb.signer] }, clientIds: [alb.client] },
      tokenHeader: 'x-amzn-oidc-data',
      fetch: alb.fetch,
      now: clock.now,
    }),
  )
  app.get('/api/me', (c) => {
    calls += 1
    return c.json({ email: c.get('auth').payload.email, signer: c.get('auth').protectedHeader.signer })
  })
  return { app, alb, calls: () => calls }
}

describe('Hono behind an AWS ALB (awsAlb + tokenHeader x-amzn-oidc-data)', () => {
  it('admits the padded token ALB signs, and the handler sees its claims and signer', async () => {
    const { app, alb } = await albApp()
    const response = await app.request('/api/me', { headers: { 'x-amzn-oidc-data': await alb.sign() } })
    expect(response.status).toBe(200)
    expect(await response.json()).toEqual({ email: 'jane@example.com', signer: alb.signer })
    expect(alb.counts.keys).toBe(1)
  })

  it.each(ALB_REFUSALS)(
    'refuses %s: 401 invalid_token, handler not called, no key fetched',
    async (_, options) => {
      const { app, alb, calls } = await albApp()
      const response = await app.request('/api/me', {
        headers: { 'x-amzn-oidc-data': await alb.sign({}, options) },
      })
      expect(response.status).toBe(401)
      expect(response.headers.get('www-authenticate')).toBe(CHALLENGE.invalidToken)
      expect(await response.json()).toEqual(BODY.invalidToken)
      expect(calls()).toBe(0)
      expect(alb.counts.keys).toBe(0)
    },
  )

  it('the ALB token sent also as a bearer is sent twice: 400 invalid_request, no fetch', async () => {
    const { app, alb, calls } = await albApp()
    const token = await alb.sign()
    const response = await app.request('/api/me', {
      headers: { 'x-amzn-oidc-data': token, authorization: `Bearer ${token}` },
    })
    expect(response.status).toBe(400)
    expect(await response.json()).toEqual(BODY.invalidRequest)
    expect(calls()).toBe(0)
    expect(alb.counts.keys).toBe(0)
  })
})
