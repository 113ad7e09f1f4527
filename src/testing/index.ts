/**
 * `jwks-gateway/testing`: an in-process OIDC issuer for tests, in workerd and in Node (SPEC §8).
 * Web APIs only; the Node socket server lives in `jwks-gateway/testing/node`.
 */
export { createTestIssuer } from './issuer.js'
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
