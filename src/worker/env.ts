/**
 * The Worker bindings the gateway reads, typed structurally: the package is compiled against the
 * DOM library, not `@cloudflare/workers-types`, so each binding is described by the few members
 * we call. A real `KVNamespace` or `ExecutionContext` satisfies these shapes.
 */
import type { OptionNames } from '../verifier/option-names.js'

import type { DurableObjectNamespaceLike } from './stores/replay-durable-object.js'

/** The part of a Workers KV namespace the key-set store uses. */
export interface KVLike {
  get(key: string, type: 'json'): Promise<unknown>
  put(key: string, value: string, options?: { expirationTtl?: number }): Promise<void>
}

/** The part of a Workers `ExecutionContext` the gateway uses. */
export interface ExecutionContextLike {
  waitUntil(promise: Promise<unknown>): void
}

/**
 * The gateway's vars, secrets and bindings (docs/gateway.md). Every var is optional in the type because
 * it comes from deployment configuration: `createGateway` validates them and answers 500 when
 * they are wrong. TOML vars may arrive as numbers or booleans, so those are accepted too.
 */
export interface GatewayEnv {
  /**
   * Issuer URL; several comma-separated. Required. One `{tenantid}` template (Entra
   * multi-tenant) with JWKS_URI accepts every tenant whose `iss` names its own `tid`.
   */
  ISSUER?: string
  /** Other exact `iss` values of the single ISSUER, signed with its keys (Auth0 custom domain). */
  ISSUER_ALIASES?: string
  /** Tenants (`tid`) a `{tenantid}` ISSUER accepts, comma-separated. Default: every tenant. */
  TENANTS?: string
  /** Accepted audiences, comma-separated. Required, unless RESOURCES or CLIENT_IDS is set. */
  AUDIENCE?: string
  /** Clients whose tokens without `aud` are accepted (`client_id`, else `azp`), comma-separated. */
  CLIENT_IDS?: string
  /** Required `token_use` claim, e.g. `access` for Cognito. */
  TOKEN_USE?: string
  /** JWKS URL that skips discovery; single issuer only. */
  JWKS_URI?: string
  /** `x509-certificates`: the key URL serves a kid → PEM certificate map (Firebase). Default `jwks`. */
  JWKS_FORMAT?: string
  /** Algorithm allow-list, comma-separated. Default: docs/verifier.md#verification-policy asymmetric set. */
  ALGORITHMS?: string
  /**
   * ARNs of the AWS Application Load Balancers in front, comma-separated: ALB mode. The token is
   * read from `x-amzn-oidc-data` (unless TOKEN_HEADER says otherwise) and its header's `signer`
   * must be one of these; ISSUER is the IdP behind the load balancer. Unset: off.
   */
  AWS_ALB_SIGNERS?: string
  /** ALB mode's key endpoint (`{url}/{kid}`). Default: the region's, from the ARNs. */
  AWS_ALB_KEYS_URL?: string
  /** Origin base URL verified requests go to. Unset: echo mode. */
  UPSTREAM?: string
  /** Path prefixes served without auth, comma-separated. */
  PUBLIC_PATHS?: string
  /** Scopes every request needs, space-separated. */
  REQUIRED_SCOPES?: string
  /** `claim:Header` pairs, comma-separated. Default `sub:X-Auth-Subject,iss:X-Auth-Issuer,scope:X-Auth-Scope`. */
  CLAIM_HEADERS?: string
  /** A header whose whole value is the token, e.g. `Cf-Access-Jwt-Assertion`. Default: Authorization only. */
  TOKEN_HEADER?: string
  /** Keep `Authorization` on the proxied request. Default true; false when RESOURCES is set. */
  FORWARD_TOKEN?: string | boolean
  /** Clock skew in seconds. Default 30. */
  CLOCK_TOLERANCE?: string | number
  /** KV namespace shared by every isolate for fetched key sets. Default: the Cache API. */
  JWKS_CACHE?: KVLike
  /** JWKS URLs re-served at `/.well-known/jwks.json`, comma-separated. Default: the issuers' own. */
  JWKS_SOURCES?: string
  /** Key ids never re-served nor accepted, comma-separated. */
  JWKS_DENY_KIDS?: string
  /** DPoP (RFC 9449): `off`, `on` (unbound Bearer tokens still accepted) or `only`. Default `off`. */
  DPOP?: string
  /** Proof algorithms, comma-separated. Default: every asymmetric JWS alg and Ed25519. */
  DPOP_ALGORITHMS?: string
  /** Seconds a proof's `iat` may lie from now, 1-600. Default 60. */
  DPOP_IAT_WINDOW?: string | number
  /** Secret (a Worker secret, ≥ 32 characters) for server nonces; unset: nonces off. */
  DPOP_NONCE_SECRET?: string
  /** The secret before the last rotation, still accepted. */
  DPOP_NONCE_SECRET_PREVIOUS?: string
  /** Build `htu` from `X-Forwarded-Proto/Host` (only behind a proxy that sets them). Default false. */
  DPOP_TRUST_FORWARDED?: string | boolean
  /** Durable Object namespace of class `DpopReplayObject`: the replay store. Required with DPOP. */
  DPOP_REPLAY?: DurableObjectNamespaceLike
  /** Header a trusted TLS terminator sets to the client certificate's SHA-256 thumbprint. Default: unread. */
  MTLS_CERT_HEADER?: string
  /**
   * Protected resources (RFC 9728), comma-separated absolute URLs such as
   * `https://gw.example.com/mcp`: each one's path is the prefix it covers, its identifier the
   * only audience accepted there, and its metadata document is served at the path-inserted
   * well-known URI.
   */
  RESOURCES?: string
  /** `authorization_servers` of the metadata documents, comma-separated. Default: ISSUER. */
  AUTHORIZATION_SERVERS?: string
  /** `scopes_supported`, space-separated; also the `scope` of 401 challenges without REQUIRED_SCOPES. */
  SCOPES_SUPPORTED?: string
  /** Step-up (RFC 9470): accepted `acr` values, space-separated. */
  STEP_UP_ACR_VALUES?: string
  /** Step-up (RFC 9470): largest accepted age of `auth_time`, in seconds. */
  STEP_UP_MAX_AGE?: string | number
  /** Path prefixes where STEP_UP_* apply, comma-separated. Default: every authenticated path. */
  STEP_UP_PATHS?: string
}

/** Every {@link GatewayEnv} name: `createGateway({ vars })` refuses any other. */
export const GATEWAY_ENV_NAMES: OptionNames<GatewayEnv> = {
  ISSUER: true,
  ISSUER_ALIASES: true,
  TENANTS: true,
  AUDIENCE: true,
  CLIENT_IDS: true,
  TOKEN_USE: true,
  JWKS_URI: true,
  JWKS_FORMAT: true,
  ALGORITHMS: true,
  AWS_ALB_SIGNERS: true,
  AWS_ALB_KEYS_URL: true,
  UPSTREAM: true,
  PUBLIC_PATHS: true,
  REQUIRED_SCOPES: true,
  CLAIM_HEADERS: true,
  TOKEN_HEADER: true,
  FORWARD_TOKEN: true,
  CLOCK_TOLERANCE: true,
  JWKS_CACHE: true,
  JWKS_SOURCES: true,
  JWKS_DENY_KIDS: true,
  DPOP: true,
  DPOP_ALGORITHMS: true,
  DPOP_IAT_WINDOW: true,
  DPOP_NONCE_SECRET: true,
  DPOP_NONCE_SECRET_PREVIOUS: true,
  DPOP_TRUST_FORWARDED: true,
  DPOP_REPLAY: true,
  MTLS_CERT_HEADER: true,
  RESOURCES: true,
  AUTHORIZATION_SERVERS: true,
  SCOPES_SUPPORTED: true,
  STEP_UP_ACR_VALUES: true,
  STEP_UP_MAX_AGE: true,
  STEP_UP_PATHS: true,
}
