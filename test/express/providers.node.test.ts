import express from 'express'
import { afterEach, describe, expect, it } from 'vitest'
import { type JwksAuthOptions, jwksAuth, requireScopes } from '../../src/express/index.js'
import type { JwtAuthError } from '../../src/index.js'
import {
  cloudflareAccessPreset,
  cognitoPreset,
  ENTRA_TENANTS,
  entraPreset,
  firebasePreset,
  type ProviderPreset,
} from '../../src/testing/index.js'
import { addEncryptionKey, certificateMap, PROVIDER_CASES, providerIssuer } from '../helpers/providers.js'
import { BODY, CHALLENGE } from '../middleware/support/answer-rows.js'
import { type Listening, listen } from '../middleware/support/express-app.js'
import {
  CLAIM_MISTAKES,
  ENTRA_COMMON,
  ENTRA_MULTI_TENANT,
  entraTenantClaims,
} from '../middleware/support/provider-cases.js'

const servers: Listening[] = []
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()))
})

/** An Express app on a real socket: `/me` behind `jwksAuth(options)`, `/scoped` also needs `scope`. */
async function serverFor(
  preset: ProviderPreset,
  options: { [K in keyof JwksAuthOptions]?: JwksAuthOptions[K] | undefined } = {},
  scope = 'none',
) {
  const { idp, clock, token } = await providerIssuer(preset)
  let calls = 0
  const app = express()
  app.use(
    jwksAuth({
      issuer: preset.issuer,
      audience: preset.audience,
      fetch: idp.fetch,
      now: clock.now,
      ...(options as Partial<JwksAuthOptions>),
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

  it('Cognito access token: clientIds and tokenUse, no audience', async () => {
    const t = await serverFor(cognitoPreset, {
      audience: undefined,
      clientIds: [cognitoPreset.audience],
      tokenUse: 'access',
    })
    const response = await t.get('/me', bearer(await t.token()))
    expect(response.status).toBe(200)
    expect(await response.json()).toEqual({ sub: cognitoPreset.claims.sub })
  })

  it.each(CLAIM_MISTAKES)(
    '%s: 401 invalid_token, handler not called, onError gets the claim, no fetch',
    async (_, preset, options, claims, code) => {
      const codes: string[] = []
      const t = await serverFor(preset, {
        ...options,
        onError: (error: JwtAuthError) => void codes.push(error.code),
      })
      const response = await t.get('/me', bearer(await t.token(claims)))
      expect(response.status).toBe(401)
      expect(response.headers.get('www-authenticate')).toBe(CHALLENGE.invalidToken)
      expect(await response.json()).toEqual(BODY.invalidToken)
      expect(codes).toEqual([code])
      expect(t.calls()).toBe(0)
      expect(t.idp.counts).toMatchObject({ discovery: 0, jwks: 0 })
    },
  )

  describe('Cloudflare Access: tokenHeader and the CF_Authorization cookie', () => {
    const access = { tokenHeader: 'Cf-Access-Jwt-Assertion', cookie: 'CF_Authorization' }

    it.each([
      ['the Cf-Access-Jwt-Assertion header', (t: string) => ({ 'cf-access-jwt-assertion': t })],
      ['the CF_Authorization cookie', (t: string) => ({ cookie: `CF_Authorization=${t}` })],
    ])('accepts the token from %s', async (_, headers) => {
      const t = await serverFor(cloudflareAccessPreset, access)
      const response = await t.get('/me', headers(await t.token()))
      expect(response.status).toBe(200)
    })

    it.each([
      [
        'header and cookie',
        (t: string) => ({ 'cf-access-jwt-assertion': t, cookie: `CF_Authorization=${t}` }),
      ],
      ['header and Authorization', (t: string) => ({ 'cf-access-jwt-assertion': t, ...bearer(t) })],
      ['an empty header', () => ({ 'cf-access-jwt-assertion': '' })],
    ])('%s: 400 invalid_request, handler not called, no fetch', async (_, headers) => {
      const t = await serverFor(cloudflareAccessPreset, access)
      const response = await t.get('/me', headers(await t.token()))
      expect(response.status).toBe(400)
      expect(response.headers.get('www-authenticate')).toBe(CHALLENGE.invalidRequest)
      expect(await response.json()).toEqual(BODY.invalidRequest)
      expect(t.calls()).toBe(0)
      expect(t.idp.counts.jwks).toBe(0)
    })
  })

  it('Entra multi-tenant: the allowed tenant passes, another tenant and a tid/iss mix-up do not', async () => {
    const t = await serverFor(ENTRA_COMMON, ENTRA_MULTI_TENANT)
    const contoso = entraTenantClaims(ENTRA_TENANTS.contoso)
    expect((await t.get('/me', bearer(await t.token(contoso)))).status).toBe(200)
    const fabrikam = entraTenantClaims(ENTRA_TENANTS.fabrikam)
    expect((await t.get('/me', bearer(await t.token(fabrikam)))).status).toBe(401)
    const mixed = { ...contoso, tid: ENTRA_TENANTS.fabrikam }
    expect((await t.get('/me', bearer(await t.token(mixed)))).status).toBe(401)
    expect(t.calls()).toBe(1)
    expect(t.idp.counts.jwks).toBe(1)
  })

  it('Firebase: keyFormat x509-certificates verifies with the certificate map; another project is refused', async () => {
    const t = await serverFor(firebasePreset, {
      issuer: { issuer: firebasePreset.issuer, keyFormat: 'x509-certificates' },
    })
    t.idp.serveJwks(await certificateMap(t.idp))
    expect((await t.get('/me', bearer(await t.token()))).status).toBe(200)
    expect((await t.get('/me', bearer(await t.token({ aud: 'other-project' })))).status).toBe(401)
    expect(t.calls()).toBe(1)
  })
})

describe.each(PROVIDER_CASES)(
  'Express with $name tokens and key set',
  ({ preset, options, wrongAudience }) => {
    it('a valid token reaches the handler; one for someone else, an expired one and one signed by a use: enc key get 401', async () => {
      const t = await serverFor(preset, options)
      for (const claims of [wrongAudience, { exp: 1_000 }]) {
        const response = await t.get('/me', bearer(await t.token(claims)))
        expect(response.status).toBe(401)
        expect(response.headers.get('www-authenticate')).toBe(CHALLENGE.invalidToken)
      }
      expect(t.idp.counts.jwks).toBe(0)
      expect((await t.get('/me', bearer(await t.token()))).status).toBe(200)
      await addEncryptionKey(t.idp, preset)
      expect((await t.get('/me', bearer(await t.token()))).status).toBe(401)
      expect(t.calls()).toBe(1)
    })
  },
)
