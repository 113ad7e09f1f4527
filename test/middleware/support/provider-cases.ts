import { auth0Preset, cognitoPreset } from '../../../src/testing/index.js'

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
