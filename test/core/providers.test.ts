import { describe, expect, it } from 'vitest'
import type { VerifierOptions } from '../../src/index.js'
import {
  auth0Preset,
  entraPreset,
  oktaPreset,
  oryPreset,
  type ProviderPreset,
} from '../../src/testing/index.js'
import { codeOf, setup } from '../helpers/setup.js'

/** A verifier for `preset`'s test issuer, with its events and the issuer's counts. */
async function verifierFor(preset: ProviderPreset, verifier: Partial<VerifierOptions> = {}) {
  const world = await setup({ issuer: { issuer: preset.issuer, audience: preset.audience }, verifier })
  world.idp.serveJwks(preset.keySet(world.idp.publicJwks()))
  return { ...world, token: (claims: object = {}) => world.idp.sign({ ...preset.claims, ...claims }) }
}

describe('scopes as each provider sends them', () => {
  it.each([
    ['Entra (scp string)', entraPreset(), 'User.Read'],
    ['Okta (scp array)', oktaPreset, 'orders.read'],
    ['Ory (scp array)', { ...oryPreset, claims: { ...oryPreset.claims, aud: oryPreset.audience } }, 'openid'],
    ['Auth0 (scope string)', auth0Preset, 'read:orders'],
  ] satisfies [string, ProviderPreset, string][])('%s grants requiredScopes', async (_, preset, scope) => {
    const { verifier, token } = await verifierFor(preset, { requiredScopes: [scope] })
    expect((await verifier.verify(await token())).payload.sub).toBe(preset.claims.sub)
    expect(await codeOf(verifier.verify(await token(), { requiredScopes: ['admin'] }))).toBe(
      'ERR_INSUFFICIENT_SCOPE',
    )
  })

  it('reads scope and scp both as string or array, and never a scope from another type', async () => {
    const { verifier, token } = await verifierFor(entraPreset(), { requiredScopes: ['a', 'b'] })
    expect((await verifier.verify(await token({ scope: ['a'], scp: 'b' }))).payload.sub).toBeDefined()
    expect(await codeOf(verifier.verify(await token({ scp: { a: true, b: true } })))).toBe(
      'ERR_INSUFFICIENT_SCOPE',
    )
    expect(await codeOf(verifier.verify(await token({ scp: 'a', scope: 2 })))).toBe('ERR_INSUFFICIENT_SCOPE')
    expect((await verifier.verify(await token({ scp: ' a\tb ' }))).payload.sub).toBeDefined()
  })
})
