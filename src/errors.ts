/**
 * Every way a request can fail authentication, as a stable code. Tests, the HTTP mapping and
 * `onEvent` consumers switch on these; the message text is generic and may change.
 */
export type JwtAuthErrorCode =
  /** No credentials, or a scheme other than Bearer (401 without an `error` attribute). */
  | 'ERR_TOKEN_MISSING'
  /** Empty bearer token, or a token sent more than once (400 `invalid_request`). */
  | 'ERR_REQUEST_INVALID'
  /** Not a compact JWS of allowed size and alphabet, or header/payload not a JSON object. */
  | 'ERR_TOKEN_MALFORMED'
  /** Protected header members we refuse: `crit`, `b64`, a non-string `kid`, a missing `alg`. */
  | 'ERR_HEADER_INVALID'
  /** `alg` is not in the configured allow-list. */
  | 'ERR_ALG_NOT_ALLOWED'
  /** The token's `iss` is none of the configured issuers. */
  | 'ERR_ISSUER_UNKNOWN'
  /** No key of the issuer matches `kid` + `alg` (after at most one refetch). */
  | 'ERR_KEY_NOT_FOUND'
  /** More than one key matches, or no `kid` while several keys could match. */
  | 'ERR_KEY_AMBIGUOUS'
  /** The matching key cannot be used (e.g. RSA under 2048 bits, point not on the curve). */
  | 'ERR_KEY_UNUSABLE'
  | 'ERR_SIGNATURE_INVALID'
  | 'ERR_TOKEN_EXPIRED'
  /** `nbf` or `iat` in the future beyond the clock tolerance. */
  | 'ERR_TOKEN_NOT_YET_VALID'
  | 'ERR_AUDIENCE_MISMATCH'
  | 'ERR_TYPE_MISMATCH'
  /** A required claim missing, a date claim not a finite number, too old, or a custom check. */
  | 'ERR_CLAIM_INVALID'
  /** Valid token without the scopes the route needs (403 `insufficient_scope`). */
  | 'ERR_INSUFFICIENT_SCOPE'
  /**
   * Valid token whose authentication is too weak or too old for the route: `acr` not among the
   * required values, or `auth_time` missing or older than the allowed age (RFC 9470 §3, 401
   * `insufficient_user_authentication`).
   */
  | 'ERR_INSUFFICIENT_USER_AUTHENTICATION'
  /** The issuer's keys cannot be had and no usable cached key exists (503 + Retry-After). */
  | 'ERR_JWKS_UNAVAILABLE'
  /** A DPoP proof missing, sent twice, or failing a check of RFC 9449 §4.3 (401 `invalid_dpop_proof`). */
  | 'ERR_DPOP_PROOF_INVALID'
  /** A DPoP proof whose `jti` was already seen within the window (RFC 9449 §11.1). */
  | 'ERR_DPOP_PROOF_REPLAYED'
  /** The proof carries no valid server nonce (401 `use_dpop_nonce` + `DPoP-Nonce`, RFC 9449 §9). */
  | 'ERR_DPOP_NONCE_REQUIRED'
  /** A plain bearer token at a DPoP-only resource (401 with a `DPoP` challenge, no error). */
  | 'ERR_DPOP_REQUIRED'
  /**
   * The token is bound to a key or certificate the request does not prove (RFC 9449 §7.1,
   * RFC 8705 §3): `cnf.jkt` not the proof key's thumbprint, a `cnf.jkt` token sent as Bearer,
   * a DPoP token without `cnf.jkt`, `cnf["x5t#S256"]` without the matching client certificate.
   */
  | 'ERR_TOKEN_BINDING_MISMATCH'
  /** The DPoP replay store cannot be reached: the proof is not accepted unchecked (503 + Retry-After). */
  | 'ERR_REPLAY_STORE_UNAVAILABLE'

/** The codes that mean "this token is not acceptable" (401 `invalid_token`). */
export const INVALID_TOKEN_CODES = [
  'ERR_TOKEN_MALFORMED',
  'ERR_HEADER_INVALID',
  'ERR_ALG_NOT_ALLOWED',
  'ERR_ISSUER_UNKNOWN',
  'ERR_KEY_NOT_FOUND',
  'ERR_KEY_AMBIGUOUS',
  'ERR_KEY_UNUSABLE',
  'ERR_SIGNATURE_INVALID',
  'ERR_TOKEN_EXPIRED',
  'ERR_TOKEN_NOT_YET_VALID',
  'ERR_AUDIENCE_MISMATCH',
  'ERR_TYPE_MISMATCH',
  'ERR_CLAIM_INVALID',
  'ERR_TOKEN_BINDING_MISMATCH',
] as const satisfies readonly JwtAuthErrorCode[]

const MESSAGES: Record<JwtAuthErrorCode, string> = {
  ERR_TOKEN_MISSING: 'no bearer token',
  ERR_REQUEST_INVALID: 'malformed authorization request',
  ERR_TOKEN_MALFORMED: 'token is not a well-formed compact JWS',
  ERR_HEADER_INVALID: 'token header is not acceptable',
  ERR_ALG_NOT_ALLOWED: 'token algorithm is not allowed',
  ERR_ISSUER_UNKNOWN: 'token issuer is not configured',
  ERR_KEY_NOT_FOUND: 'no matching key',
  ERR_KEY_AMBIGUOUS: 'more than one matching key',
  ERR_KEY_UNUSABLE: 'matching key is not usable',
  ERR_SIGNATURE_INVALID: 'signature verification failed',
  ERR_TOKEN_EXPIRED: 'token has expired',
  ERR_TOKEN_NOT_YET_VALID: 'token is not yet valid',
  ERR_AUDIENCE_MISMATCH: 'token audience is not accepted',
  ERR_TYPE_MISMATCH: 'token type is not accepted',
  ERR_CLAIM_INVALID: 'token claims are not acceptable',
  ERR_INSUFFICIENT_SCOPE: 'token lacks a required scope',
  ERR_INSUFFICIENT_USER_AUTHENTICATION: 'token authentication level or age is not sufficient',
  ERR_JWKS_UNAVAILABLE: 'signing keys are unavailable',
  ERR_DPOP_PROOF_INVALID: 'DPoP proof is not acceptable',
  ERR_DPOP_PROOF_REPLAYED: 'DPoP proof was already used',
  ERR_DPOP_NONCE_REQUIRED: 'DPoP proof needs a fresh server nonce',
  ERR_DPOP_REQUIRED: 'a DPoP-bound token is required',
  ERR_TOKEN_BINDING_MISMATCH: 'token is bound to another key or certificate',
  ERR_REPLAY_STORE_UNAVAILABLE: 'DPoP replay store is unavailable',
}

/** Every code, in declaration order: for exhaustive checks over the union. */
export const JWT_AUTH_ERROR_CODES = Object.keys(MESSAGES) as readonly JwtAuthErrorCode[]

/** The `Authorization` scheme a credential came with: it picks the challenge's scheme. */
export type AuthScheme = 'Bearer' | 'DPoP'

export interface JwtAuthErrorOptions {
  /** For ERR_JWKS_UNAVAILABLE: seconds until a retry may succeed. */
  retryAfterSeconds?: number
  /** For ERR_INSUFFICIENT_SCOPE: the scopes the route requires. */
  requiredScopes?: readonly string[]
  /**
   * The scheme of the challenge: `DPoP` when the request used it or the token needs it
   * (RFC 9449 §7.1). Default `Bearer`.
   */
  scheme?: AuthScheme
  /** For ERR_DPOP_NONCE_REQUIRED: the nonce to send back in `DPoP-Nonce`. */
  dpopNonce?: string
  /** For ERR_INSUFFICIENT_USER_AUTHENTICATION: the acceptable `acr` values (RFC 9470 `acr_values`). */
  acrValues?: readonly string[]
  /** For ERR_INSUFFICIENT_USER_AUTHENTICATION: the largest accepted `auth_time` age (RFC 9470 `max_age`). */
  maxAgeSeconds?: number
  /** Never a token, key or JWKS body: only our own or a transport error. */
  cause?: unknown
}

/**
 * Thrown by `verify()` and by the middleware. The message is fixed per code and never carries
 * a token, claim value, kid or key material.
 */
export class JwtAuthError extends Error {
  override readonly name = 'JwtAuthError'
  readonly code: JwtAuthErrorCode
  readonly retryAfterSeconds: number | undefined
  readonly requiredScopes: readonly string[] | undefined
  readonly scheme: AuthScheme
  readonly dpopNonce: string | undefined
  readonly acrValues: readonly string[] | undefined
  readonly maxAgeSeconds: number | undefined

  constructor(code: JwtAuthErrorCode, options: JwtAuthErrorOptions = {}) {
    super(MESSAGES[code], options.cause === undefined ? undefined : { cause: options.cause })
    this.code = code
    this.retryAfterSeconds = options.retryAfterSeconds
    this.requiredScopes = options.requiredScopes
    this.scheme = options.scheme ?? 'Bearer'
    this.dpopNonce = options.dpopNonce
    this.acrValues = options.acrValues
    this.maxAgeSeconds = options.maxAgeSeconds
  }
}

export function isJwtAuthError(value: unknown): value is JwtAuthError {
  return value instanceof JwtAuthError
}

/**
 * Thrown at construction for options that cannot work, never per request. The message names the
 * option; `option` carries its name for code that needs to tell options apart (when known).
 */
export class VerifierConfigError extends TypeError {
  override readonly name = 'VerifierConfigError'
  readonly option: string | undefined

  constructor(message: string, option?: string) {
    super(message)
    this.option = option
  }
}
