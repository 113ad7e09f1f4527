export type { KeySnapshot, KeySourceHealth } from './cache/key-source.js'
export { type KeySetStore, MemoryKeySetStore, type StoredKeySet } from './cache/store.js'
export {
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
export { VerifierConfigError } from './verifier/config.js'
export { createVerifier, type Verifier } from './verifier/create-verifier.js'
export type {
  CacheOptions,
  ClaimOptions,
  ClaimsCheck,
  HmacSecret,
  IssuerOptions,
  RuntimeOptions,
  VerifiedToken,
  VerifierEvent,
  VerifierOptions,
  VerifyCallOptions,
} from './verifier/options.js'
