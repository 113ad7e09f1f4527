import type { JWSHeaderParameters, JWTPayload } from 'jose'
import type { CacheEvent } from '../cache/events.js'
import type { KeySetStore } from '../cache/key-set-store.js'
import type { JwtAuthErrorCode } from '../errors.js'
import type { Algorithm, HmacAlgorithm } from '../jwk/algorithms.js'
import type { OptionNames } from './option-names.js'

/** A secret for HS256/384/512, configured locally: HMAC keys are never taken from a JWKS. */
export interface HmacSecret {
  alg: HmacAlgorithm
  /** Matches the token's `kid`; a token without `kid` uses the only secret of its `alg`. */
  kid?: string
  /** UTF-8 text or raw bytes; at least as many bytes as the hash output (RFC 7518 §3.2). */
  secret: string | Uint8Array
}

/** How an issuer publishes its keys. */
export type KeyFormat = 'jwks' | 'x509-certificates'

/**
 * AWS Application Load Balancer mode: tokens from the `x-amzn-oidc-data` header, signed by the
 * load balancer with ES256, their keys fetched one per kid as PEM. Only here are the `=`-padded
 * segments ALB writes accepted (docs/works-with.md#aws-alb).
 */
export interface AwsAlbOptions {
  /** ARNs of your load balancers: the token header's `signer` must be one. Required. */
  signers: readonly string[]
  /**
   * The key endpoint; `{keysUrl}/{kid}` serves one PEM. Default, for the commercial partition:
   * `https://public-keys.auth.elb.{region}.amazonaws.com`, the region from the ARNs (one region).
   */
  keysUrl?: string
}

/** One trusted issuer. Fields left out take the verifier-wide value. */
export interface IssuerOptions {
  /**
   * Compared as an exact string with the token's `iss` and the discovery document's `issuer`.
   * A multi-tenant issuer is a template with one `{tenantid}`
   * (`https://login.microsoftonline.com/{tenantid}/v2.0`): a token is accepted when its `iss` is
   * the template with the token's own `tid` put in. A template needs `discoveryUrl` or `jwksUri`.
   */
  issuer: string
  /** Allow-list of tenants (`tid`) for a `{tenantid}` issuer. Default: every tenant. */
  tenants?: readonly string[]
  /**
   * Other exact `iss` values signed with this issuer's keys, e.g. an Auth0 custom domain beside
   * the tenant domain. Each must be no other configured issuer.
   */
  issuerAliases?: readonly string[]
  /**
   * The discovery document to read instead of `{issuer}/.well-known/openid-configuration`, e.g.
   * Entra's `https://login.microsoftonline.com/common/v2.0/.well-known/openid-configuration`. Its
   * `issuer` must still equal `issuer` exactly (for Entra's common document: the template).
   */
  discoveryUrl?: string
  audience?: string | readonly string[]
  clientIds?: readonly string[]
  /** Skips discovery. `https:`, or `http:` on a loopback host only. */
  jwksUri?: string
  /**
   * What `jwks_uri` serves: a JWK Set (default), or `x509-certificates`, a JSON map of kid → PEM
   * certificate (Google's securetoken keys for Firebase Auth). Same caching and outage rules.
   */
  keyFormat?: KeyFormat
  /** A static key set: nothing is fetched for this issuer. */
  jwks?: { keys: readonly unknown[] }
  /**
   * Tokens of an AWS ALB in front of this issuer (`issuer` is the IdP's, as ALB copies it into
   * `iss`). `clientIds` then checks the header's `client`; `audience` does not apply.
   */
  awsAlb?: AwsAlbOptions
  algorithms?: readonly Algorithm[]
  secrets?: readonly HmacSecret[]
}

/** Every {@link IssuerOptions} name: anything else in an `issuer` entry is refused. */
export const ISSUER_OPTION_NAMES: OptionNames<IssuerOptions> = {
  issuer: true,
  audience: true,
  jwksUri: true,
  jwks: true,
  algorithms: true,
  secrets: true,
  tenants: true,
  issuerAliases: true,
  discoveryUrl: true,
  clientIds: true,
  keyFormat: true,
  awsAlb: true,
}

/** What `verify()` resolves to. */
export interface VerifiedToken<P extends JWTPayload = JWTPayload> {
  payload: P
  protectedHeader: JWSHeaderParameters
  /** The configured issuer that vouched for the token. */
  issuer: string
  kid: string | undefined
}

/** Everything the verifier reports; the rich reason behind a generic 401 lands here. */
export type VerifierEvent =
  | CacheEvent
  | { type: 'kid_miss'; issuer: string; kid: string | undefined }
  | { type: 'cooldown_hit'; issuer: string; kid: string | undefined }
  | { type: 'verify_failed'; code: JwtAuthErrorCode; issuer: string | undefined }

/** Checks beyond the standard claims; return false (or throw) to reject with ERR_CLAIM_INVALID. */
export type ClaimsCheck = (payload: JWTPayload, header: JWSHeaderParameters) => boolean | Promise<boolean>

export interface ClaimOptions {
  /** Accepted `aud` values; when set, `aud` is required and one of its values must match. */
  audience?: string | readonly string[]
  /**
   * Clients whose tokens without an `aud` (absent, or `[]`) are accepted, matched on
   * `client_id`, else `azp`: Cognito access tokens, Ory tokens minted without an audience. A
   * token that has an `aud` must still match `audience`; with `clientIds` and no `audience`,
   * such a token is refused (it is meant for another API).
   */
  clientIds?: readonly string[]
  /** Required `token_use` claim: `access` refuses Cognito ID tokens. */
  tokenUse?: string
  /** Allow-list; the token header and the JWK never widen it. Default: docs/verifier.md#verification-policy asymmetric set. */
  algorithms?: readonly Algorithm[]
  /** Seconds of clock skew accepted for `exp`, `nbf` and `iat`. Default 30. */
  clockToleranceSeconds?: number
  /** Required `typ` header, compared case-insensitively without `application/`; e.g. `at+jwt` (RFC 9068). */
  typ?: string
  /** `exp` is required unless this is false. Default true. */
  requireExp?: boolean
  /** Claims that must be present. */
  requiredClaims?: readonly string[]
  /** Rejects tokens whose `iat` is older than this many seconds (requires `iat`). */
  maxTokenAgeSeconds?: number
  /** Scopes every token needs (`scope` or `scp`, each a string or an array); missing ones answer 403. */
  requiredScopes?: readonly string[]
  check?: ClaimsCheck
}

export interface CacheOptions {
  /** Total deadline of one discovery or JWKS fetch, body included. Default 5000. */
  timeoutMs?: number
  /** Largest discovery or JWKS body accepted. Default 256 KiB. */
  maxBodyBytes?: number
  /** Most keys taken from one JWKS. Default 100. */
  maxKeys?: number
  /** After an unknown-kid refetch, further unknown kids are rejected without a fetch for this long. Default 30000. */
  cooldownMs?: number
  /** How long past expiry last-known-good keys keep verifying during an outage. Default 24 h. */
  maxStaleMs?: number
  /** Verified-token cache entries; 0 turns it off. Default 10000. */
  tokenCacheSize?: number
}

export interface RuntimeOptions {
  fetch?: typeof fetch
  /** Milliseconds since the epoch. Default `Date.now`. */
  now?: () => number
  /** Shares fetched key sets across instances (Cache API, KV). Default: in memory. */
  store?: KeySetStore
  /** Keeps background refreshes alive after the response (Workers `ctx.waitUntil`). */
  waitUntil?: (promise: Promise<unknown>) => void
  onEvent?: (event: VerifierEvent) => void
}

export interface VerifierOptions extends ClaimOptions, CacheOptions, RuntimeOptions {
  /** One issuer URL, or several (strings or objects). */
  issuer: string | IssuerOptions | readonly (string | IssuerOptions)[]
  /** Skips discovery for a single issuer given as a string. */
  jwksUri?: string
}

/** Every {@link VerifierOptions} name: `createVerifier()` refuses any other. */
export const VERIFIER_OPTION_NAMES: OptionNames<VerifierOptions> = {
  issuer: true,
  jwksUri: true,
  // ClaimOptions
  audience: true,
  clientIds: true,
  tokenUse: true,
  algorithms: true,
  clockToleranceSeconds: true,
  typ: true,
  requireExp: true,
  requiredClaims: true,
  maxTokenAgeSeconds: true,
  requiredScopes: true,
  check: true,
  // CacheOptions
  timeoutMs: true,
  maxBodyBytes: true,
  maxKeys: true,
  cooldownMs: true,
  maxStaleMs: true,
  tokenCacheSize: true,
  // RuntimeOptions
  fetch: true,
  now: true,
  store: true,
  waitUntil: true,
  onEvent: true,
}

/** Who a token must be for: accepted `aud` values, and clients whose tokens without `aud` pass. */
export interface AudienceRule {
  audience: readonly string[]
  /** Matched on `client_id`, else `azp`, for a token without `aud` (absent or `[]`). */
  clientIds?: readonly string[] | undefined
}

/** Per-call options: what differs between requests on Workers. */
export interface VerifyCallOptions {
  waitUntil?: (promise: Promise<unknown>) => void
  requiredScopes?: readonly string[]
  /**
   * Who the token must be for on this call, on top of the configured `audience`/`clientIds`: the
   * one protected resource a request is under, when one verifier serves several (RFC 8707 §2).
   * Like the configured rule it is checked before any key fetch, so a token for another
   * resource costs no fetch, and again on every verified-token cache hit.
   */
  audience?: AudienceRule
}
