import { describe, expect, it } from 'vitest'
import { createVerifier, VerifierConfigError, type VerifierOptions } from '../../src/index.js'
import {
  auth0Preset,
  cognitoPreset,
  entraPreset,
  oktaPreset,
  oryPreset,
  type ProviderPreset,
} from '../../src/testing/index.js'
import { codeOf, setup } from '../helpers/setup.js'

/** Verifier options where `undefined` removes a default (`audience: undefined`). */
type LooseOptions = { [K in keyof VerifierOptions]?: VerifierOptions[K] | undefined }

/** A verifier for `preset`'s test issuer, with its events and the issuer's counts. */
async function verifierFor(preset: ProviderPreset, options: LooseOptions = {}) {
  const verifier = options as Partial<VerifierOptions>
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

describe('a claim mistake on a cold cache is reported as that claim, and fetches nothing', () => {
  it.each([
    [
      'Auth0 issuer configured without its trailing slash',
      { issuer: 'https://example-tenant.eu.auth0.com' },
      {},
      'ERR_ISSUER_UNKNOWN',
    ],
    ['wrong audience', { audience: 'https://other-api.example.com' }, {}, 'ERR_AUDIENCE_MISMATCH'],
    ['expired', {}, { exp: 1_000 }, 'ERR_TOKEN_EXPIRED'],
    ['not yet valid', {}, { nbf: 4_000_000_000 }, 'ERR_TOKEN_NOT_YET_VALID'],
  ] as const)('%s', async (_, options, claims, code) => {
    const { verifier, token, idp, events } = await verifierFor(auth0Preset, options)
    expect(await codeOf(verifier.verify(await token(claims)))).toBe(code)
    expect(events).toContainEqual(expect.objectContaining({ type: 'verify_failed', code }))
    expect(idp.counts).toMatchObject({ discovery: 0, jwks: 0 })
  })

  it('the same on a warm cache with an unknown kid: no refetch', async () => {
    const { verifier, token, idp } = await verifierFor(auth0Preset, {
      audience: 'https://other-api.example.com',
    })
    await verifier.verify(await token({ aud: 'https://other-api.example.com' }))
    idp.resetCounts()
    const unknownKid = await idp.sign({ ...auth0Preset.claims }, { kid: 'rotated-away' })
    expect(await codeOf(verifier.verify(unknownKid))).toBe('ERR_AUDIENCE_MISMATCH')
    expect(idp.counts).toMatchObject({ discovery: 0, jwks: 0 })
  })
})

describe('tokens without aud: Cognito access tokens and Ory aud: []', () => {
  const cognito = { audience: undefined, clientIds: [cognitoPreset.audience], tokenUse: 'access' }

  it('Cognito: accepted by client_id and token_use, with no audience configured', async () => {
    const { verifier, token } = await verifierFor(cognitoPreset, cognito)
    const { payload } = await verifier.verify(await token())
    expect(payload).toMatchObject({ client_id: cognitoPreset.audience, token_use: 'access' })
    expect(payload.aud).toBeUndefined()
  })

  it.each([
    ['another app client', { client_id: 'another-client' }, 'ERR_AUDIENCE_MISMATCH'],
    [
      'an ID token (token_use id, aud = client id)',
      { token_use: 'id', aud: cognitoPreset.audience },
      'ERR_AUDIENCE_MISMATCH',
    ],
    ['an ID token without aud', { token_use: 'id' }, 'ERR_CLAIM_INVALID'],
    ['no client_id', { client_id: undefined }, 'ERR_AUDIENCE_MISMATCH'],
    ['expired', { exp: 1_000 }, 'ERR_TOKEN_EXPIRED'],
  ] as const)('Cognito: refuses %s, and fetches nothing for it on a cold cache', async (_, claims, code) => {
    const { verifier, token, idp, events } = await verifierFor(cognitoPreset, cognito)
    expect(await codeOf(verifier.verify(await token(claims)))).toBe(code)
    expect(events).toContainEqual(expect.objectContaining({ type: 'verify_failed', code }))
    expect(idp.counts).toMatchObject({ discovery: 0, jwks: 0 })
  })

  it('Ory aud: [] is checked against azp or client_id; a token with an aud still needs the audience', async () => {
    const { verifier, token } = await verifierFor(oryPreset, {
      audience: 'https://orders.example.com',
      clientIds: ['orders-client'],
    })
    expect((await verifier.verify(await token())).payload.aud).toEqual([])
    expect(
      (await verifier.verify(await token({ client_id: undefined, azp: 'orders-client' }))).payload.sub,
    ).toBe(oryPreset.claims.sub)
    expect(await codeOf(verifier.verify(await token({ client_id: 'intruder' })))).toBe(
      'ERR_AUDIENCE_MISMATCH',
    )
    expect(await codeOf(verifier.verify(await token({ aud: ['https://other.example.com'] })))).toBe(
      'ERR_AUDIENCE_MISMATCH',
    )
    expect(
      (await verifier.verify(await token({ aud: ['https://orders.example.com'] }))).payload.sub,
    ).toBeDefined()
  })

  it('refuses client ids that are not a list of non-empty strings, and a tokenUse that is not a string', () => {
    expect(() => createVerifier({ issuer: cognitoPreset.issuer, clientIds: [''] })).toThrow(
      VerifierConfigError,
    )
    expect(() => createVerifier({ issuer: cognitoPreset.issuer, clientIds: 'x' as never })).toThrow(
      VerifierConfigError,
    )
    expect(() => createVerifier({ issuer: cognitoPreset.issuer, tokenUse: 1 as never })).toThrow(
      VerifierConfigError,
    )
  })
})
