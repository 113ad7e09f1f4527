import {
  auth0Preset,
  cognitoPreset,
  ENTRA_ISSUER_TEMPLATE,
  ENTRA_TENANTS,
  entraPreset,
  type ProviderPreset,
} from '../../../src/testing/index.js'

/**
 * Provider tokens refused for one claim, with the code `onError` must see: each middleware test
 * runs them with that provider's options on a cold cache, where they must fetch nothing.
 */
export const CLAIM_MISTAKES = [
  [
    'Cognito ID token',
    cognitoPreset,
    { audience: undefined, clientIds: [cognitoPreset.audience], tokenUse: 'access' },
    { token_use: 'id' },
    'ERR_CLAIM_INVALID',
  ],
  [
    'another Cognito client',
    cognitoPreset,
    { audience: undefined, clientIds: [cognitoPreset.audience] },
    { client_id: 'x' },
    'ERR_AUDIENCE_MISMATCH',
  ],
  [
    'Auth0 issuer without its trailing slash',
    auth0Preset,
    { issuer: 'https://example-tenant.eu.auth0.com' },
    {},
    'ERR_ISSUER_UNKNOWN',
  ],
  ['wrong audience', auth0Preset, { audience: 'https://other.example.com' }, {}, 'ERR_AUDIENCE_MISMATCH'],
  ['expired', auth0Preset, {}, { exp: 1_000 }, 'ERR_TOKEN_EXPIRED'],
] as const

/** A test issuer at Entra's common path, serving the common keys (each with its `issuer`). */
export const ENTRA_COMMON: ProviderPreset = {
  ...entraPreset(),
  issuer: 'https://login.microsoftonline.com/common/v2.0',
}

/** Middleware options for Entra multi-tenant, limited to one tenant. */
export const ENTRA_MULTI_TENANT = {
  issuer: {
    issuer: ENTRA_ISSUER_TEMPLATE,
    jwksUri: `${ENTRA_COMMON.issuer}/.well-known/jwks.json`,
    tenants: [ENTRA_TENANTS.contoso],
  },
}

/** The claims of tenant `tid`'s token: its own `iss` and `tid`. */
export const entraTenantClaims = (tid: string) => ({ iss: entraPreset(tid).issuer, tid })

/** ALB tokens each middleware refuses 401 before fetching a key: sign options of the ALB test signer. */
export const ALB_REFUSALS = [
  [
    'another load balancer',
    { header: { signer: 'arn:aws:elasticloadbalancing:eu-west-1:210987654321:loadbalancer/app/x/1' } },
  ],
  ['another client', { header: { client: 'another-client' } }],
  ['an expired token', { expiresInSeconds: -600 }],
] as const
