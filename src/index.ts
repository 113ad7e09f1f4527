export {
  type KeySetStore,
  type KeySnapshot,
  MemoryKeySetStore,
  type StoredKeySet,
} from './cache/key-set-store.js'
export type { KeySourceHealth } from './cache/key-source.js'
export type { StepUpRequirement } from './checks/step-up.js'
export {
  type AuthScheme,
  INVALID_TOKEN_CODES,
  isJwtAuthError,
  JwtAuthError,
  type JwtAuthErrorCode,
  type JwtAuthErrorOptions,
} from './errors.js'
export {
  DEFAULT_REALM,
  type HttpAnswer,
  type HttpAnswerOptions,
  httpAnswer,
  toJwtAuthError,
} from './http/answer.js'
export {
  type Algorithm,
  ASYMMETRIC_ALGORITHMS,
  type AsymmetricAlgorithm,
  DEFAULT_ALGORITHMS,
  HMAC_ALGORITHMS,
  type HmacAlgorithm,
} from './jwk/algorithms.js'
export type { PublicJwk } from './jwk/public-jwk.js'
export type { MetadataRouteOptions } from './middleware/metadata-route.js'
export {
  type BearerMethod,
  canonicalResource,
  type ProtectedResourceMetadata,
  type ProtectedResourceOptions,
  wellKnownMetadataPath,
} from './middleware/protected-resource.js'
export {
  createRequestVerifier,
  type ReceivedRequest,
  type RequestVerifier,
  type VerifiedRequest,
} from './middleware/request-verifier.js'
export { thumbprintFromFingerprint, thumbprintOfDer } from './sender/certificate.js'
export { type DpopProofExpectation, type DpopProofFacts, verifyDpopProof } from './sender/dpop-proof.js'
export { normalizeHtu } from './sender/htu.js'
export { createNonceIssuer, type NonceIssuer } from './sender/nonce.js'
export {
  DEFAULT_DPOP_ALGORITHMS,
  type DpopOptions,
  type MtlsOptions,
  type SenderConstraintOptions,
} from './sender/options.js'
export { MemoryReplayStore, type ReplayStore } from './sender/replay-store.js'
export { VerifierConfigError } from './verifier/config.js'
export { createVerifier, type Verifier } from './verifier/create-verifier.js'
export type {
  AudienceRule,
  AwsAlbOptions,
  CacheOptions,
  ClaimOptions,
  ClaimsCheck,
  HmacSecret,
  IssuerOptions,
  KeyFormat,
  RuntimeOptions,
  VerifiedToken,
  VerifierEvent,
  VerifierOptions,
  VerifyCallOptions,
} from './verifier/options.js'
