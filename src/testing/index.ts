/**
 * `jwks-gateway/testing`: an in-process OIDC issuer for tests, in workerd and in Node (docs/cli.md).
 * Web APIs only; the Node socket server lives in `jwks-gateway/testing/node`.
 */
export {
  type AlbSignOptions,
  type AlbTestSigner,
  type AlbTestSignerCounts,
  type AlbTestSignerOptions,
  createAlbTestSigner,
} from './alb.js'
export { createTestIssuer } from './issuer.js'
export {
  auth0Preset,
  authgearPreset,
  cloudflareAccessPreset,
  cognitoPreset,
  ENTRA_ISSUER_TEMPLATE,
  ENTRA_TENANTS,
  entraPreset,
  firebasePreset,
  keycloakPreset,
  oktaPreset,
  oryPreset,
  type ProviderPreset,
} from './providers.js'
export type {
  DiscoveryFlavour,
  FailureMode,
  FailureTarget,
  RotateOptions,
  SignOptions,
  TestAlgorithm,
  TestClaims,
  TestIssuer,
  TestIssuerCounts,
  TestIssuerKey,
  TestIssuerOptions,
} from './types.js'
