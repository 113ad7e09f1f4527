import { describe, expect, it } from 'vitest'
import { type AlbTestSigner, createAlbTestSigner } from '../../src/testing/index.js'
import type { GatewayEnv } from '../../src/worker/env.js'
import { manualClock } from '../helpers/clock.js'
import { BODY, CHALLENGE, harness } from './support/gateway.js'

const OTHER_ALB =
  'arn:aws:elasticloadbalancing:eu-west-1:210987654321:loadbalancer/app/theirs/0123456789abcdef'

/** A gateway behind an ALB test signer: ALB mode, the signer's client as CLIENT_IDS. */
async function albGateway(vars: { [K in keyof GatewayEnv]?: GatewayEnv[K] | undefined } = {}) {
  const clock = manualClock()
  const alb: AlbTestSigner = await createAlbTestSigner({ now: clock.now })
  const h = await harness({
    vars: {
      ISSUER: alb.issuer,
      AUDIENCE: undefined,
      AWS_ALB_SIGNERS: alb.signer,
      CLIENT_IDS: alb.client,
      ...vars,
    } as Partial<GatewayEnv>,
    gateway: { fetch: alb.fetch, now: clock.now },
  })
  const data = async (...args: Parameters<AlbTestSigner['sign']>) => ({
    'x-amzn-oidc-data': await alb.sign(...args),
  })
  return { h, alb, data, clock }
}

describe('gateway: AWS ALB mode (AWS_ALB_SIGNERS)', () => {
  it('verifies x-amzn-oidc-data as ALB writes it and passes the identity on', async () => {
    const { h, alb, data } = await albGateway()
    const response = await h.send('/orders', { headers: await data({ sub: 'jane' }) })
    expect(response.status).toBe(200)
    const [call] = h.upstream.calls
    expect(call?.headers.get('x-auth-subject')).toBe('jane')
    expect(call?.headers.get('x-auth-issuer')).toBe(alb.issuer)
    // Verified, so passed on as the upstream may want it (FORWARD_TOKEN default).
    expect(call?.headers.get('x-amzn-oidc-data')).toContain('=')
    expect(alb.counts).toEqual({ keys: 1, unexpected: 0 })
    expect(h.idp.counts).toMatchObject({ discovery: 0, jwks: 0 })
  })

  it('reads only x-amzn-oidc-data by default: an Authorization bearer alone is no token', async () => {
    const { h, alb } = await albGateway()
    const response = await h.send('/orders', {
      headers: { authorization: `Bearer ${await alb.sign({}, { padded: false })}` },
    })
    // The bearer is read as always, and verified like any token of the ALB issuer.
    expect(response.status).toBe(200)
    const both = await h.send('/orders', {
      headers: {
        authorization: `Bearer ${await alb.sign({}, { padded: false })}`,
        'x-amzn-oidc-data': await alb.sign(),
      },
    })
    expect(both.status).toBe(400)
    expect(await both.json()).toEqual(BODY.invalidRequest)
  })

  it.each([
    ['another load balancer', { header: { signer: OTHER_ALB } }],
    ['another client', { header: { client: 'another-client' } }],
    ['an expired token', { expiresInSeconds: -600 }],
    ['a kid that is no UUID', { kid: 'k1' }],
  ] as const)('refuses %s: 401 invalid_token, upstream not called, no key fetched', async (_, options) => {
    const { h, alb, data } = await albGateway()
    const response = await h.send('/orders', { headers: await data({}, options) })
    expect(response.status).toBe(401)
    expect(response.headers.get('www-authenticate')).toBe(CHALLENGE.invalidToken)
    expect(await response.json()).toEqual(BODY.invalidToken)
    expect(h.upstream.calls).toHaveLength(0)
    expect(alb.counts.keys).toBe(0)
  })

  it('the key endpoint down on a cold start: 503 with Retry-After, upstream not called', async () => {
    const { h, alb, data } = await albGateway()
    alb.fail({ kind: 'down' })
    const response = await h.send('/orders', { headers: await data() })
    expect(response.status).toBe(503)
    expect(response.headers.get('retry-after')).toBe('1')
    expect(h.upstream.calls).toHaveLength(0)
    expect(alb.counts.keys).toBe(1)
  })

  it('an unknown kid costs one fetch, then the cooldown answers without one', async () => {
    const { h, alb, data } = await albGateway()
    for (let i = 0; i < 3; i++) {
      const response = await h.send('/orders', { headers: await data({}, { kid: crypto.randomUUID() }) })
      expect(response.status).toBe(401)
    }
    expect(alb.counts.keys).toBe(1)
    expect(h.upstream.calls).toHaveLength(0)
  })

  it('/healthz reports the keys held', async () => {
    const { h, alb, data } = await albGateway()
    await h.send('/orders', { headers: await data() })
    const health = (await (await h.send('/healthz')).json()) as {
      issuers: { issuer: string; keys: number }[]
    }
    expect(health.issuers).toEqual([expect.objectContaining({ issuer: alb.issuer, keys: 1 })])
  })
})

describe('gateway: AWS ALB mode configuration', () => {
  it.each([
    ['AWS_ALB_SIGNERS', { AWS_ALB_SIGNERS: 'arn:aws:iam::123456789012:role/x' }],
    [
      'AWS_ALB_KEYS_URL',
      { AWS_ALB_SIGNERS: undefined, AUDIENCE: 'api', AWS_ALB_KEYS_URL: 'https://keys.example.com' },
    ],
    ['AWS_ALB_KEYS_URL', { AWS_ALB_KEYS_URL: 'http://keys.example.com' }],
    ['AUDIENCE', { AUDIENCE: 'api' }],
    ['RESOURCES', { RESOURCES: 'https://gateway.test/mcp' }],
    ['JWKS_URI', { JWKS_URI: 'https://keys.example.com/jwks' }],
    ['JWKS_FORMAT', { JWKS_FORMAT: 'x509-certificates' }],
    ['ISSUER', { ISSUER: 'https://a.example.com,https://b.example.com' }],
    [
      'AWS_ALB_SIGNERS',
      {
        AWS_ALB_SIGNERS:
          'arn:aws-us-gov:elasticloadbalancing:us-gov-west-1:123456789012:loadbalancer/app/x/1',
      },
    ],
  ] as const)('a bad %s answers 500 naming it, upstream not called', async (variable, vars) => {
    const { h, data } = await albGateway(vars)
    const response = await h.send('/orders', { headers: await data() })
    expect(response.status).toBe(500)
    expect(await response.json()).toEqual(BODY.misconfigured)
    expect(h.upstream.calls).toHaveLength(0)
    expect(await (await h.send('/healthz')).json()).toEqual({
      status: 'misconfigured',
      variables: [variable],
    })
    expect(h.logs).toEqual([expect.stringContaining(variable)])
  })
})
