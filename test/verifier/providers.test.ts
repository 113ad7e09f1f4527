import { describe, expect, it } from 'vitest'
import {
  createVerifier,
  type IssuerOptions,
  VerifierConfigError,
  type VerifierOptions,
} from '../../src/index.js'
import {
  auth0Preset,
  cognitoPreset,
  ENTRA_ISSUER_TEMPLATE,
  ENTRA_TENANTS,
  entraPreset,
  firebasePreset,
  keycloakPreset,
  oktaPreset,
  oryPreset,
  type ProviderPreset,
} from '../../src/testing/index.js'
import { addEncryptionKey, certificateMap, PROVIDER_CASES } from '../helpers/providers.js'
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

const ENTRA_COMMON_DISCOVERY =
  'https://login.microsoftonline.com/common/v2.0/.well-known/openid-configuration'

/**
 * An Entra multi-tenant world: one test issuer serves the `/common/v2.0` discovery document
 * (whose issuer is the `{tenantid}` template) and the common keys, each carrying `issuer`.
 */
async function entraCommon() {
  const world = await setup({
    issuer: { issuer: 'https://login.microsoftonline.com/common/v2.0', audience: 'api://orders' },
  })
  const { idp } = world
  idp.serveJwks(entraPreset().keySet(idp.publicJwks()))
  // The common document names the template, not its own URL (that is what makes it "common").
  const fetch: typeof globalThis.fetch = async (input, init) => {
    const response = await idp.fetch(input, init)
    if (!new Request(input).url.endsWith('/openid-configuration') || response.status !== 200) return response
    const document = await response.json()
    return Response.json({ ...document, issuer: ENTRA_ISSUER_TEMPLATE })
  }
  const tenantToken = (tid: string, claims: object = {}) =>
    idp.sign({ ...entraPreset(tid).claims, iss: entraPreset(tid).issuer, ...claims })
  /** A verifier of the `{tenantid}` issuer, discovering through the common document. */
  const verifierFor = (issuer: Partial<IssuerOptions> = {}) =>
    createVerifier({
      issuer: { issuer: ENTRA_ISSUER_TEMPLATE, discoveryUrl: ENTRA_COMMON_DISCOVERY, ...issuer },
      audience: 'api://orders',
      fetch,
      now: world.clock.now,
    })
  return { ...world, fetch, tenantToken, verifierFor }
}

describe('Entra multi-tenant: an issuer template matched against tid', () => {
  it('accepts each tenant whose iss names its own tid, with the keys of the common document', async () => {
    const world = await entraCommon()
    const verifier = world.verifierFor()
    for (const tid of Object.values(ENTRA_TENANTS)) {
      const { payload, issuer } = await verifier.verify(await world.tenantToken(tid))
      expect(payload.iss).toBe(`https://login.microsoftonline.com/${tid}/v2.0`)
      expect(issuer).toBe(ENTRA_ISSUER_TEMPLATE)
    }
    expect(world.idp.counts).toMatchObject({ discovery: 1, jwks: 1 })
  })

  it.each([
    ['iss names another tenant than tid', { tid: ENTRA_TENANTS.fabrikam }, 'ERR_ISSUER_UNKNOWN'],
    ['no tid', { tid: undefined }, 'ERR_ISSUER_UNKNOWN'],
    [
      'a tid that is not a tenant id',
      { tid: '../x', iss: 'https://login.microsoftonline.com/../x/v2.0' },
      'ERR_ISSUER_UNKNOWN',
    ],
    ['wrong audience', { aud: 'api://other' }, 'ERR_AUDIENCE_MISMATCH'],
    ['expired', { exp: 1_000 }, 'ERR_TOKEN_EXPIRED'],
  ] as const)('refuses a token whose %s, fetching nothing', async (_, claims, code) => {
    const world = await entraCommon()
    const verifier = world.verifierFor()
    expect(await codeOf(verifier.verify(await world.tenantToken(ENTRA_TENANTS.contoso, claims)))).toBe(code)
    expect(world.idp.counts).toMatchObject({ discovery: 0, jwks: 0 })
  })

  it('a discovery document that names another issuer is refused (its keys vouch for nobody)', async () => {
    const world = await entraCommon()
    // Unpatched, the test issuer's common document names .../common/v2.0, not the template.
    const verifier = createVerifier({
      issuer: { issuer: ENTRA_ISSUER_TEMPLATE, discoveryUrl: ENTRA_COMMON_DISCOVERY },
      audience: 'api://orders',
      fetch: world.idp.fetch,
      now: world.clock.now,
    })
    expect(await codeOf(verifier.verify(await world.tenantToken(ENTRA_TENANTS.contoso)))).toBe(
      'ERR_JWKS_UNAVAILABLE',
    )
    expect(world.idp.counts).toMatchObject({ discovery: 1, jwks: 0 })
  })

  it('tenants allow-list: another tenant is refused', async () => {
    const world = await entraCommon()
    const verifier = world.verifierFor({ tenants: [ENTRA_TENANTS.contoso] })
    expect((await verifier.verify(await world.tenantToken(ENTRA_TENANTS.contoso))).payload.tid).toBe(
      ENTRA_TENANTS.contoso,
    )
    expect(await codeOf(verifier.verify(await world.tenantToken(ENTRA_TENANTS.fabrikam)))).toBe(
      'ERR_ISSUER_UNKNOWN',
    )
  })

  it('a key that names its own tenant issuer verifies only that tenant', async () => {
    const world = await entraCommon()
    const [key] = world.idp.publicJwks().keys
    world.idp.serveJwks({ keys: [{ ...key, issuer: entraPreset(ENTRA_TENANTS.contoso).issuer }] })
    const verifier = createVerifier({
      issuer: { issuer: ENTRA_ISSUER_TEMPLATE, jwksUri: world.idp.jwksUri },
      audience: 'api://orders',
      fetch: world.fetch,
      now: world.clock.now,
    })
    expect((await verifier.verify(await world.tenantToken(ENTRA_TENANTS.contoso))).payload.sub).toBeDefined()
    expect(await codeOf(verifier.verify(await world.tenantToken(ENTRA_TENANTS.fabrikam)))).toBe(
      'ERR_KEY_NOT_FOUND',
    )
  })

  it('keeps keys scoped: a template never takes a token of a configured single-tenant issuer', async () => {
    const world = await entraCommon()
    const single = await setup({ issuer: { issuer: entraPreset(ENTRA_TENANTS.fabrikam).issuer } })
    const verifier = createVerifier({
      issuer: [
        { issuer: ENTRA_ISSUER_TEMPLATE, jwksUri: world.idp.jwksUri },
        { issuer: single.idp.issuer, jwksUri: single.idp.jwksUri },
      ],
      audience: 'api://orders',
      fetch: async (input, init) =>
        new Request(input).url.startsWith(single.idp.issuer)
          ? single.idp.fetch(input, init)
          : world.fetch(input, init),
      now: world.clock.now,
    })
    // Signed by the common keys, claiming the tenant that has its own configured issuer.
    const forged = await world.tenantToken(ENTRA_TENANTS.fabrikam)
    expect(await codeOf(verifier.verify(forged))).toBe('ERR_KEY_NOT_FOUND')
    expect(world.idp.counts.jwks).toBe(0)
  })

  it.each([
    ['a template with nothing to discover from', { issuer: ENTRA_ISSUER_TEMPLATE }],
    ['tenants without a template', { issuer: 'https://idp.example.com', tenants: ['a'] }],
    [
      'two placeholders',
      { issuer: 'https://x.example.com/{tenantid}/{tenantid}', jwksUri: 'https://x.example.com/k' },
    ],
    [
      'an alias that is another issuer',
      [
        { issuer: 'https://a.example.com/', issuerAliases: ['https://b.example.com/'] },
        'https://b.example.com/',
      ],
    ],
  ] as const)('refuses %s at construction', (_, issuer) => {
    expect(() => createVerifier({ issuer: issuer as never, audience: 'x' })).toThrow(VerifierConfigError)
  })
})

describe('Auth0 custom domain: several issuers, one key set (issuerAliases)', () => {
  it('accepts the tenant domain and the custom domain with one fetch; refuses any other issuer', async () => {
    const { verifier, token, idp } = await verifierFor(auth0Preset, {
      issuer: { issuer: auth0Preset.issuer, issuerAliases: ['https://login.example.com/'] },
    })
    expect((await verifier.verify(await token())).payload.iss).toBe(auth0Preset.issuer)
    expect((await verifier.verify(await token({ iss: 'https://login.example.com/' }))).issuer).toBe(
      auth0Preset.issuer,
    )
    expect(await codeOf(verifier.verify(await token({ iss: 'https://login.example.com' })))).toBe(
      'ERR_ISSUER_UNKNOWN',
    )
    expect(idp.counts).toMatchObject({ discovery: 1, jwks: 1 })
  })
})

describe('Firebase / Google securetoken: keys as a map of kid → X.509 certificate', () => {
  async function firebase() {
    const world = await verifierFor(firebasePreset, {
      issuer: { issuer: firebasePreset.issuer, keyFormat: 'x509-certificates' },
    })
    world.idp.serveJwks(await certificateMap(world.idp))
    return world
  }

  it('verifies a Firebase ID token with the certificate map, one fetch for many tokens', async () => {
    const { verifier, token, idp } = await firebase()
    for (let i = 0; i < 3; i++)
      expect((await verifier.verify(await token())).payload.user_id).toBe('Uq1example')
    expect(idp.counts).toMatchObject({ discovery: 1, jwks: 1 })
  })

  it.each([
    ['another project (aud)', { aud: 'other-project' }, 'ERR_AUDIENCE_MISMATCH'],
    ['expired', { exp: 1_000 }, 'ERR_TOKEN_EXPIRED'],
  ] as const)('refuses %s without a fetch', async (_, claims, code) => {
    const { verifier, token, idp } = await firebase()
    expect(await codeOf(verifier.verify(await token(claims)))).toBe(code)
    expect(idp.counts.jwks).toBe(0)
  })

  it('a broken certificate map is a failed fetch: last-known-good keys keep verifying', async () => {
    const { verifier, token, idp, clock } = await firebase()
    await verifier.verify(await token())
    idp.serveJwks({ [idp.keys[0]?.kid ?? '']: 'not a certificate' })
    clock.advance(11 * 60_000)
    expect((await verifier.verify(await token())).payload.sub).toBe(firebasePreset.claims.sub)
    expect(idp.counts.jwks).toBe(2)
  })

  it('without keyFormat the same body is not a JWK Set: 503, never "every token invalid"', async () => {
    const { verifier, token, idp } = await verifierFor(firebasePreset)
    idp.serveJwks(await certificateMap(idp))
    expect(await codeOf(verifier.verify(await token()))).toBe('ERR_JWKS_UNAVAILABLE')
  })
})

describe.each(PROVIDER_CASES)('core with $name tokens and key set', ({ preset, options, wrongAudience }) => {
  it('verifies a valid token; refuses one for someone else and an expired one without a fetch', async () => {
    const { verifier, token, idp } = await verifierFor(preset, options)
    expect(await codeOf(verifier.verify(await token(wrongAudience)))).toBe('ERR_AUDIENCE_MISMATCH')
    expect(await codeOf(verifier.verify(await token({ exp: 1_000 })))).toBe('ERR_TOKEN_EXPIRED')
    expect(idp.counts.jwks).toBe(0)
    expect((await verifier.verify(await token())).payload.sub).toBe(preset.claims.sub)
  })

  it('refuses a token signed by a use: enc key', async () => {
    const { verifier, token, idp } = await verifierFor(preset, options)
    await addEncryptionKey(idp, preset)
    expect(await codeOf(verifier.verify(await token()))).toBe('ERR_KEY_NOT_FOUND')
  })
})

describe('Keycloak behind plain http (in a cluster)', () => {
  const issuer = 'http://keycloak:8080/realms/shop'

  it('refuses to discover an http issuer off loopback', () => {
    expect(() => createVerifier({ issuer, audience: 'orders-api' })).toThrow(VerifierConfigError)
  })

  it('accepts it with the keys fetched through a loopback proxy (jwksUri on 127.0.0.1)', async () => {
    // The proxy: 127.0.0.1:8080 forwards to the issuer, served here by the test issuer's fetch.
    const proxy = { to: globalThis.fetch }
    const { verifier, token, idp } = await verifierFor(
      { ...keycloakPreset, issuer },
      {
        jwksUri: 'http://127.0.0.1:8080/realms/shop/.well-known/jwks.json',
        fetch: (input: RequestInfo | URL, init?: RequestInit) =>
          proxy.to(new Request(input).url.replace('127.0.0.1', 'keycloak'), init),
      },
    )
    proxy.to = idp.fetch
    expect((await verifier.verify(await token())).payload.iss).toBe(issuer)
    expect(idp.counts).toMatchObject({ discovery: 0, jwks: 1 })
  })
})
