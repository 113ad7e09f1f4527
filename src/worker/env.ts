/**
 * The Worker bindings the gateway reads, typed structurally: the package is compiled against the
 * DOM library, not `@cloudflare/workers-types`, so each binding is described by the few members
 * we call. A real `KVNamespace` or `ExecutionContext` satisfies these shapes.
 */

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
 * The gateway's vars, secrets and bindings (SPEC §6). Every var is optional in the type because
 * it comes from deployment configuration: `createGateway` validates them and answers 500 when
 * they are wrong. TOML vars may arrive as numbers or booleans, so those are accepted too.
 */
export interface GatewayEnv {
  /** Issuer URL; several comma-separated. Required. */
  ISSUER?: string
  /** Accepted audiences, comma-separated. Required. */
  AUDIENCE?: string
  /** JWKS URL that skips discovery; single issuer only. */
  JWKS_URI?: string
  /** Algorithm allow-list, comma-separated. Default: SPEC §3 asymmetric set. */
  ALGORITHMS?: string
  /** Origin base URL verified requests go to. Unset: echo mode. */
  UPSTREAM?: string
  /** Path prefixes served without auth, comma-separated. */
  PUBLIC_PATHS?: string
  /** Scopes every request needs, space-separated. */
  REQUIRED_SCOPES?: string
  /** `claim:Header` pairs, comma-separated. Default `sub:X-Auth-Subject,iss:X-Auth-Issuer,scope:X-Auth-Scope`. */
  CLAIM_HEADERS?: string
  /** Keep `Authorization` on the proxied request. Default true. */
  FORWARD_TOKEN?: string | boolean
  /** Clock skew in seconds. Default 30. */
  CLOCK_TOLERANCE?: string | number
  /** KV namespace shared by every isolate for fetched key sets. Default: the Cache API. */
  JWKS_CACHE?: KVLike
  /** JWKS URLs re-served at `/.well-known/jwks.json`, comma-separated. Default: the issuers' own. */
  JWKS_SOURCES?: string
  /** Key ids never re-served nor accepted, comma-separated. */
  JWKS_DENY_KIDS?: string
}
