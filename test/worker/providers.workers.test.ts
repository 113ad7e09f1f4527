import { describe, expect, it } from 'vitest'
import {
  cloudflareAccessPreset,
  cognitoPreset,
  entraPreset,
  oktaPreset,
  oryPreset,
  type ProviderPreset,
} from '../../src/testing/index.js'
import type { GatewayEnv } from '../../src/worker/env.js'
import { BODY, CHALLENGE, type Harness, harness } from './support/gateway.js'

/** A gateway in front of a test issuer shaped like `preset`. */
async function gatewayFor(
  preset: ProviderPreset,
  vars: { [K in keyof GatewayEnv]?: GatewayEnv[K] | undefined } = {},
) {
  const h = await harness({
    issuer: { issuer: preset.issuer, audience: preset.audience },
    vars: { ISSUER: preset.issuer, AUDIENCE: preset.audience, ...vars } as Partial<GatewayEnv>,
  })
  h.idp.serveJwks(preset.keySet(h.idp.publicJwks()))
  const token = (claims: object = {}) => h.idp.sign({ ...preset.claims, ...claims })
  return { h, token }
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` })

function upstreamHeaders(h: Harness): Headers {
  expect(h.upstream.calls).toHaveLength(1)
  return h.upstream.calls[0]!.headers
}

describe('gateway: scopes as each provider sends them', () => {
  it.each([
    ['Entra (scp string)', entraPreset(), 'User.Read', 'access_as_user User.Read'],
    ['Okta (scp array)', oktaPreset, 'orders.read', 'openid orders.read'],
  ] as const)(
    '%s: REQUIRED_SCOPES passes and X-Auth-Scope carries them',
    async (_, preset, scope, header) => {
      const { h, token } = await gatewayFor(preset, { REQUIRED_SCOPES: scope })
      const response = await h.send('/orders', { headers: bearer(await token()) })
      expect(response.status).toBe(200)
      expect(upstreamHeaders(h).get('x-auth-scope')).toBe(header)
    },
  )

  it('Entra token without the required scope: 403 insufficient_scope, upstream not called', async () => {
    const { h, token } = await gatewayFor(entraPreset(), { REQUIRED_SCOPES: 'Orders.Write' })
    const response = await h.send('/orders', { headers: bearer(await token()) })
    expect(response.status).toBe(403)
    expect(response.headers.get('www-authenticate')).toBe(CHALLENGE.insufficientScope('Orders.Write'))
    expect(h.upstream.calls).toHaveLength(0)
    expect(h.idp.counts.jwks).toBe(1)
  })
})

describe('gateway: tokens without aud (CLIENT_IDS, TOKEN_USE)', () => {
  const cognito = { AUDIENCE: undefined, CLIENT_IDS: cognitoPreset.audience, TOKEN_USE: 'access' }

  it('Cognito access token: accepted with CLIENT_IDS and TOKEN_USE, AUDIENCE unset', async () => {
    const { h, token } = await gatewayFor(cognitoPreset, cognito)
    expect((await h.send('/orders', { headers: bearer(await token()) })).status).toBe(200)
    expect(upstreamHeaders(h).get('x-auth-scope')).toBe('orders/read openid')
  })

  it.each([
    ['another app client', { client_id: 'another-client' }],
    ['a Cognito ID token', { token_use: 'id', aud: cognitoPreset.audience }],
    ['an expired token', { exp: 1_000 }],
  ])('refuses %s: 401 invalid_token, upstream not called, no fetch', async (_, claims) => {
    const { h, token } = await gatewayFor(cognitoPreset, cognito)
    const response = await h.send('/orders', { headers: bearer(await token(claims)) })
    expect(response.status).toBe(401)
    expect(response.headers.get('www-authenticate')).toBe(CHALLENGE.invalidToken)
    expect(await response.json()).toEqual(BODY.invalidToken)
    expect(h.upstream.calls).toHaveLength(0)
    expect(h.idp.counts).toMatchObject({ discovery: 0, jwks: 0 })
  })

  it('Ory aud: [] with AUDIENCE and CLIENT_IDS: the client passes, another audience does not', async () => {
    const { h, token } = await gatewayFor(oryPreset, {
      AUDIENCE: 'https://orders.example.com',
      CLIENT_IDS: 'orders-client',
    })
    expect((await h.send('/orders', { headers: bearer(await token()) })).status).toBe(200)
    const other = await h.send('/orders', {
      headers: bearer(await token({ aud: ['https://other.example.com'] })),
    })
    expect(other.status).toBe(401)
  })

  it('AUDIENCE or CLIENT_IDS is required; neither answers 500 naming AUDIENCE', async () => {
    const { h, token } = await gatewayFor(cognitoPreset, { AUDIENCE: undefined })
    const response = await h.send('/healthz')
    expect(response.status).toBe(500)
    expect(await response.json()).toMatchObject({ variables: ['AUDIENCE'] })
    expect((await h.send('/orders', { headers: bearer(await token()) })).status).toBe(500)
  })
})

describe('gateway: token in another header (TOKEN_HEADER)', () => {
  /** Cloudflare Access has no discovery for application tokens: its certs URL is JWKS_URI. */
  async function accessGateway(vars: Partial<GatewayEnv> = {}) {
    const world = await gatewayFor(cloudflareAccessPreset, {
      TOKEN_HEADER: 'Cf-Access-Jwt-Assertion',
      ...vars,
    })
    world.h.env.JWKS_URI = world.h.idp.jwksUri
    return world
  }

  it('Cloudflare Access: the Cf-Access-Jwt-Assertion token is verified and forwarded', async () => {
    const { h, token } = await accessGateway()
    const assertion = await token()
    expect((await h.send('/orders', { headers: { 'cf-access-jwt-assertion': assertion } })).status).toBe(200)
    expect(upstreamHeaders(h).get('cf-access-jwt-assertion')).toBe(assertion)
    expect(upstreamHeaders(h).get('x-auth-subject')).toBe(cloudflareAccessPreset.claims.sub)
  })

  it.each([
    [
      'sent twice (header and Authorization)',
      async (t: string) => ({ 'cf-access-jwt-assertion': t, ...bearer(t) }),
      400,
    ],
    ['empty', async () => ({ 'cf-access-jwt-assertion': '' }), 400],
    ['for another application (aud)', async (t: string) => ({ 'cf-access-jwt-assertion': t }), 401],
  ] as const)('refuses a token %s, upstream not called', async (name, headers, status) => {
    const { h, token } = await accessGateway()
    const claims = name.includes('aud') ? { aud: ['another-app-aud-tag'] } : {}
    const response = await h.send('/orders', { headers: await headers(await token(claims)) })
    expect(response.status).toBe(status)
    expect(response.headers.get('www-authenticate')).toBe(
      status === 400 ? CHALLENGE.invalidRequest : CHALLENGE.invalidToken,
    )
    expect(h.upstream.calls).toHaveLength(0)
    expect(h.idp.counts.jwks).toBe(0)
  })

  it('FORWARD_TOKEN=false drops the token header too; a reserved TOKEN_HEADER is refused', async () => {
    const { h, token } = await accessGateway({ FORWARD_TOKEN: 'false' })
    await h.send('/orders', { headers: { 'cf-access-jwt-assertion': await token() } })
    expect(upstreamHeaders(h).has('cf-access-jwt-assertion')).toBe(false)
    const bad = await gatewayFor(cloudflareAccessPreset, { TOKEN_HEADER: 'Cookie' })
    expect(await (await bad.h.send('/healthz')).json()).toMatchObject({ variables: ['TOKEN_HEADER'] })
  })
})
