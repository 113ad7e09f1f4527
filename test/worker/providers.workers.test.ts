import { describe, expect, it } from 'vitest'
import {
  auth0Preset,
  cloudflareAccessPreset,
  cognitoPreset,
  ENTRA_ISSUER_TEMPLATE,
  ENTRA_TENANTS,
  entraPreset,
  firebasePreset,
  oktaPreset,
  oryPreset,
  type ProviderPreset,
} from '../../src/testing/index.js'
import type { GatewayEnv } from '../../src/worker/env.js'
import type { GatewayEvent } from '../../src/worker/runtime.js'
import { addEncryptionKey, certificateMap, PROVIDER_CASES } from '../helpers/providers.js'
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

describe('gateway: Entra multi-tenant (ISSUER template, TENANTS) and Auth0 custom domain (ISSUER_ALIASES)', () => {
  /** The common keys served by a test issuer at Entra's common path; JWKS_URI points there. */
  async function entraGateway(vars: Partial<GatewayEnv> = {}) {
    const h = await harness({
      issuer: { issuer: 'https://login.microsoftonline.com/common/v2.0', audience: 'api://orders' },
      vars: { ISSUER: ENTRA_ISSUER_TEMPLATE, AUDIENCE: 'api://orders', ...vars },
    })
    h.env.JWKS_URI = h.idp.jwksUri
    h.idp.serveJwks(entraPreset().keySet(h.idp.publicJwks()))
    const token = (tid: string, claims: object = {}) =>
      h.idp.sign({ ...entraPreset(tid).claims, iss: entraPreset(tid).issuer, ...claims })
    return { h, token }
  }

  it('accepts every tenant whose iss matches its tid; X-Auth-Issuer is the tenant issuer', async () => {
    const { h, token } = await entraGateway()
    for (const tid of Object.values(ENTRA_TENANTS)) {
      expect((await h.send('/orders', { headers: bearer(await token(tid)) })).status).toBe(200)
    }
    expect(h.upstream.calls[1]?.headers.get('x-auth-issuer')).toBe(entraPreset(ENTRA_TENANTS.fabrikam).issuer)
    expect(h.idp.counts.jwks).toBe(1)
  })

  it.each([
    ['a tenant outside TENANTS', ENTRA_TENANTS.fabrikam, {}],
    ['iss of another tenant than tid', ENTRA_TENANTS.contoso, { tid: ENTRA_TENANTS.fabrikam }],
    ['a wrong audience', ENTRA_TENANTS.contoso, { aud: 'api://other' }],
    ['an expired token', ENTRA_TENANTS.contoso, { exp: 1_000 }],
  ])('refuses %s: 401, upstream not called, no fetch', async (_, tid, claims) => {
    const { h, token } = await entraGateway({ TENANTS: ENTRA_TENANTS.contoso })
    const response = await h.send('/orders', { headers: bearer(await token(tid, claims)) })
    expect(response.status).toBe(401)
    expect(response.headers.get('www-authenticate')).toBe(CHALLENGE.invalidToken)
    expect(h.upstream.calls).toHaveLength(0)
    expect(h.idp.counts.jwks).toBe(0)
  })

  it('a token signed by a use: enc key is refused', async () => {
    const { h, token } = await entraGateway()
    const encKid = await h.idp.rotate()
    h.idp.serveJwks({
      keys: entraPreset()
        .keySet(h.idp.publicJwks())
        .keys.map((k) => (k.kid === encKid ? { ...k, use: 'enc' } : k)),
    })
    const response = await h.send('/orders', { headers: bearer(await token(ENTRA_TENANTS.contoso)) })
    expect(response.status).toBe(401)
    expect(h.upstream.calls).toHaveLength(0)
  })

  it('Auth0: ISSUER_ALIASES accepts the custom domain with the tenant keys', async () => {
    const { h, token } = await gatewayFor(auth0Preset, { ISSUER_ALIASES: 'https://login.example.com/' })
    expect(
      (await h.send('/orders', { headers: bearer(await token({ iss: 'https://login.example.com/' })) }))
        .status,
    ).toBe(200)
    expect(
      (await h.send('/orders', { headers: bearer(await token({ iss: 'https://login.example.com' })) }))
        .status,
    ).toBe(401)
  })

  it.each([
    ['TENANTS without a template ISSUER', { TENANTS: 'a' }, 'TENANTS'],
    [
      'ISSUER_ALIASES with two issuers',
      { ISSUER: 'https://a.example.com,https://b.example.com', ISSUER_ALIASES: 'https://c.example.com' },
      'ISSUER_ALIASES',
    ],
    ['a template ISSUER without JWKS_URI', { ISSUER: ENTRA_ISSUER_TEMPLATE }, 'JWKS_URI'],
  ])('%s answers 500 naming the variable', async (_, vars, variable) => {
    const { h } = await gatewayFor(auth0Preset, vars)
    expect(await (await h.send('/healthz')).json()).toMatchObject({ variables: [variable] })
  })
})

describe('gateway: Firebase certificate map (JWKS_FORMAT=x509-certificates)', () => {
  it('verifies with the certificate map; another project and an expired token are refused without a fetch', async () => {
    const { h, token } = await gatewayFor(firebasePreset, { JWKS_FORMAT: 'x509-certificates' })
    h.idp.serveJwks(await certificateMap(h.idp))
    expect((await h.send('/orders', { headers: bearer(await token()) })).status).toBe(200)
    for (const claims of [{ aud: 'other-project' }, { exp: 1_000 }]) {
      expect((await h.send('/orders', { headers: bearer(await token(claims)) })).status).toBe(401)
    }
    expect(h.upstream.calls).toHaveLength(1)
    expect(h.idp.counts.jwks).toBe(1)
  })
})

describe('gateway: the public JWKS of a Firebase certificate map (JWKS_FORMAT=x509-certificates)', () => {
  /** The gateway and its events, the map served at the issuer's key URL (found by discovery). */
  async function firebaseGateway(vars: Partial<GatewayEnv> = {}) {
    const events: GatewayEvent[] = []
    const h = await harness({
      issuer: { issuer: firebasePreset.issuer, audience: firebasePreset.audience },
      vars: {
        ISSUER: firebasePreset.issuer,
        AUDIENCE: firebasePreset.audience,
        JWKS_FORMAT: 'x509-certificates',
        ...vars,
      },
      gateway: { onEvent: (event) => void events.push(event) },
    })
    return { h, events }
  }

  /** The RSA public key of one of the issuer's keys, as the published JWK Set must hold it. */
  function publishedKey(h: Harness, kid: string) {
    const key = h.idp.publicJwks().keys.find((candidate) => candidate.kid === kid)
    return { kty: 'RSA', kid, use: 'sig', n: key?.n, e: key?.e }
  }

  it("serves the certificates' public keys as a filtered JWK Set, and a token of a published key verifies", async () => {
    const { h } = await firebaseGateway()
    const kept = h.idp.keys[0]?.kid ?? ''
    const denied = await h.idp.rotate()
    h.env.JWKS_DENY_KIDS = denied
    h.idp.serveJwks(await certificateMap(h.idp))
    const response = await h.send('/.well-known/jwks.json')
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toBe('application/jwk-set+json')
    expect(response.headers.get('cache-control')).toBe('public, max-age=600')
    expect(response.headers.get('access-control-allow-origin')).toBe('*')
    expect(response.headers.get('etag')).toMatch(/^"[A-Za-z0-9_-]{43}"$/)
    expect(await response.json()).toEqual({ keys: [publishedKey(h, kept)] })
    expect(h.upstream.calls).toHaveLength(0)
    expect(h.idp.counts).toMatchObject({ discovery: 1, jwks: 1, unexpected: 0 })
    const token = await h.idp.sign(firebasePreset.claims, { kid: kept })
    expect((await h.send('/orders', { headers: bearer(token) })).status).toBe(200)
  })

  it('a map without a usable certificate is a failed fetch: 503 cold, the last good keys kept warm', async () => {
    const { h, events } = await firebaseGateway()
    const [key] = h.idp.keys
    const map = await certificateMap(h.idp)
    h.idp.serveJwks({ [key?.kid ?? '']: 'not a certificate' })
    const cold = await h.send('/.well-known/jwks.json')
    expect(cold.status).toBe(503)
    expect(cold.headers.get('retry-after')).toBe('1')
    expect(cold.headers.get('access-control-allow-origin')).toBe('*')
    expect(cold.headers.get('www-authenticate')).toBeNull()
    expect(await cold.json()).toEqual({
      error: 'temporarily_unavailable',
      error_description: 'No key source is available',
    })
    expect(events).toContainEqual(
      expect.objectContaining({ type: 'source_failed', reason: 'certificate map has no usable certificate' }),
    )
    h.clock.advance(1_000)
    h.idp.serveJwks(map)
    expect((await h.send('/.well-known/jwks.json')).status).toBe(200)
    h.idp.serveJwks({ [key?.kid ?? '']: 'not a certificate' })
    h.clock.advance(601_000)
    const jwks = h.idp.counts.jwks
    const stale = await h.send('/.well-known/jwks.json')
    expect(stale.status).toBe(200)
    expect(stale.headers.get('cache-control')).toBe('public, max-age=0')
    expect(await stale.json()).toEqual({ keys: [publishedKey(h, key?.kid ?? '')] })
    // The refresh in the background asked once, failed, and kept the keys.
    expect(h.idp.counts.jwks).toBe(jwks + 1)
    expect(events.filter((event) => event.type === 'source_failed')).toHaveLength(2)
    expect(h.upstream.calls).toHaveLength(0)
  })

  it('certificates of no allowed algorithm: 503, never an empty set', async () => {
    const { h, events } = await firebaseGateway({ ALGORITHMS: 'ES256' })
    h.idp.serveJwks(await certificateMap(h.idp))
    const response = await h.send('/.well-known/jwks.json')
    expect(response.status).toBe(503)
    expect(response.headers.get('retry-after')).toBe('1')
    expect(await response.json()).toEqual({
      error: 'temporarily_unavailable',
      error_description: 'No key source is available',
    })
    expect(events).toContainEqual({
      type: 'key_dropped',
      source: firebasePreset.issuer,
      kid: h.idp.keys[0]?.kid,
      reason: 'alg-not-allowed',
    })
    expect(h.idp.counts).toMatchObject({ discovery: 1, jwks: 1 })
    expect(h.upstream.calls).toHaveLength(0)
  })
})

describe.each(PROVIDER_CASES)('gateway with $name tokens and key set', ({ preset, vars, wrongAudience }) => {
  it('a valid token reaches the upstream with its identity headers', async () => {
    const { h, token } = await gatewayFor(preset, vars)
    expect((await h.send('/orders', { headers: bearer(await token()) })).status).toBe(200)
    expect(upstreamHeaders(h).get('x-auth-subject')).toBe(preset.claims.sub)
  })

  it.each([
    ['meant for someone else', wrongAudience],
    ['expired', { exp: 1_000 }],
  ])('a token %s: 401 invalid_token, upstream not called, no fetch', async (_, claims) => {
    const { h, token } = await gatewayFor(preset, vars)
    const response = await h.send('/orders', { headers: bearer(await token(claims)) })
    expect(response.status).toBe(401)
    expect(response.headers.get('www-authenticate')).toBe(CHALLENGE.invalidToken)
    expect(await response.json()).toEqual(BODY.invalidToken)
    expect(h.upstream.calls).toHaveLength(0)
    expect(h.idp.counts.jwks).toBe(0)
  })

  it('a token signed by a use: enc key: 401, upstream not called, one unknown-kid refetch', async () => {
    const { h, token } = await gatewayFor(preset, vars)
    await addEncryptionKey(h.idp, preset)
    const response = await h.send('/orders', { headers: bearer(await token()) })
    expect(response.status).toBe(401)
    expect(response.headers.get('www-authenticate')).toBe(CHALLENGE.invalidToken)
    expect(h.upstream.calls).toHaveLength(0)
    // The enc key is ignored, so its kid is unknown: the cold load plus the one refetch allowed.
    expect(h.idp.counts.jwks).toBe(2)
  })
})
