import { describe, expect, it } from 'vitest'
import { entraPreset, oktaPreset, type ProviderPreset } from '../../src/testing/index.js'
import type { GatewayEnv } from '../../src/worker/env.js'
import { CHALLENGE, type Harness, harness } from './support/gateway.js'

/** A gateway in front of a test issuer shaped like `preset`. */
async function gatewayFor(preset: ProviderPreset, vars: Partial<GatewayEnv> = {}) {
  const h = await harness({
    issuer: { issuer: preset.issuer, audience: preset.audience },
    vars: { ISSUER: preset.issuer, AUDIENCE: preset.audience, ...vars },
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
