import { isFetchableUrl } from '../cache/transport.js'
import { VerifierConfigError } from '../verifier/config.js'
import { SCOPE_TOKEN } from './scopes.js'

/** RFC 9728 §3: the well-known URI suffix of Protected Resource Metadata. */
export const PROTECTED_RESOURCE_WELL_KNOWN = '/.well-known/oauth-protected-resource'

/**
 * How long clients and shared caches may keep the metadata document. It only changes with a
 * deployment, and a client re-reads it from the 401 challenge when it has to.
 */
const METADATA_MAX_AGE_SECONDS = 3600

/** RFC 9728 §2 `bearer_methods_supported` values (RFC 6750 §2.1–2.3). */
export type BearerMethod = 'header' | 'body' | 'query'

/**
 * An OAuth protected resource (RFC 9728): what its metadata document says, and what its
 * challenges point at. URLs are absolute; `https:`, or `http:` on a loopback host only.
 *
 * @example
 * const protectedResource: ProtectedResourceOptions = {
 *   resource: 'https://mcp.example.com/mcp',
 *   scopesSupported: ['mcp:tools'],
 *   resourceName: 'Example MCP server',
 * }
 */
export interface ProtectedResourceOptions {
  /**
   * The resource identifier (RFC 8707 §2, RFC 9728 §1.2): the URL clients call, without
   * query or fragment. Written canonically (scheme and host lower-case, a root without `/`),
   * it is the `resource` of the document and, unless `audience` is given, the one accepted `aud`.
   */
  resource: string
  /** `authorization_servers`: issuer identifiers clients may get tokens from. Default: the configured issuers. */
  authorizationServers?: readonly string[]
  /** `scopes_supported`. Also the `scope` of 401 challenges when no scope is required. */
  scopesSupported?: readonly string[]
  /** `bearer_methods_supported`. Default: what the middleware accepts (`header`, plus `query` when enabled). */
  bearerMethodsSupported?: readonly BearerMethod[]
  /** `resource_signing_alg_values_supported`: JWS algorithms the resource signs its responses with. */
  resourceSigningAlgValuesSupported?: readonly string[]
  /** `resource_name`: a human-readable name. */
  resourceName?: string
  /** `resource_documentation`: a page for developers. */
  resourceDocumentation?: string
  /** `resource_policy_uri`: how clients may use the data. */
  resourcePolicyUri?: string
  /** `resource_tos_uri`: terms of service. */
  resourceTosUri?: string
  /** `jwks_uri`: the resource's own public keys (not the issuer's). */
  jwksUri?: string
  /** `tls_client_certificate_bound_access_tokens` (RFC 8705). */
  tlsClientCertificateBoundAccessTokens?: boolean
  /** `authorization_details_types_supported` (RFC 9396). */
  authorizationDetailsTypesSupported?: readonly string[]
}

/** The RFC 9728 §2 document, as served. */
export interface ProtectedResourceMetadata {
  resource: string
  authorization_servers?: string[]
  scopes_supported?: string[]
  bearer_methods_supported?: BearerMethod[]
  resource_signing_alg_values_supported?: string[]
  resource_name?: string
  resource_documentation?: string
  resource_policy_uri?: string
  resource_tos_uri?: string
  jwks_uri?: string
  tls_client_certificate_bound_access_tokens?: boolean
  authorization_details_types_supported?: string[]
  dpop_signing_alg_values_supported?: string[]
  dpop_bound_access_tokens_required?: boolean
}

/** What a face knows that the document states: its issuers, bearer methods and DPoP policy. */
export interface ResourceDefaults {
  /** The configured issuers: `authorization_servers` unless given. */
  issuers: readonly string[]
  /** How the face reads the token: `bearer_methods_supported` unless given. */
  bearerMethods: readonly BearerMethod[]
  /** DPoP when it is on (RFC 9449 §5.1 members of RFC 9728 §2). */
  dpop?: { algorithms: readonly string[]; only: boolean } | undefined
}

/** A checked protected resource: its identifier, where its document lives, and the document. */
export interface ResolvedProtectedResource {
  /** Canonical resource identifier; the accepted audience under audience binding. */
  resource: string
  /** Path of the document on the resource's origin (RFC 9728 §3.1). */
  wellKnownPath: string
  /** Absolute URL of the document: the challenges' `resource_metadata`. */
  metadataUrl: string
  document: ProtectedResourceMetadata
  /** Scopes a 401 challenge names; empty for none. */
  challengeScope: readonly string[]
}

function fail(option: string, rule: string): never {
  throw new VerifierConfigError(`"${option}" option ${rule}`)
}

/**
 * RFC 8707 §2 canonical resource URI: absolute, no fragment (nor query, which RFC 8707 asks
 * to avoid and which would make the path-inserted well-known URI ambiguous), no credentials;
 * scheme and host lower-case and a default port dropped (URL serialisation does both), the
 * path kept as written, a bare origin without the trailing `/` (the form MCP clients send).
 *
 * @example
 * canonicalResource('HTTPS://MCP.Example.com/mcp') // 'https://mcp.example.com/mcp'
 */
export function canonicalResource(value: string, option = 'resource'): string {
  if (typeof value !== 'string' || !URL.canParse(value) || !isFetchableUrl(value)) {
    fail(option, 'must be an absolute https URL (http only on loopback), without credentials')
  }
  const url = new URL(value)
  if (value.includes('#') || value.includes('?')) fail(option, 'must have no query and no fragment')
  return `${url.protocol}//${url.host}${url.pathname === '/' ? '' : url.pathname}`
}

/**
 * RFC 9728 §3.1: `/.well-known/oauth-protected-resource` inserted between the host and the
 * path of a (canonical) resource identifier.
 *
 * @example
 * wellKnownMetadataPath('https://mcp.example.com/mcp') // '/.well-known/oauth-protected-resource/mcp'
 */
export function wellKnownMetadataPath(resource: string): string {
  const { pathname } = new URL(resource)
  return pathname === '/' ? PROTECTED_RESOURCE_WELL_KNOWN : `${PROTECTED_RESOURCE_WELL_KNOWN}${pathname}`
}

function urlOption(option: string, value: unknown): string | undefined {
  if (value === undefined) return undefined
  if (typeof value !== 'string' || !isFetchableUrl(value)) {
    fail(option, 'must be an absolute https URL (http only on loopback)')
  }
  return value
}

function stringList(option: string, value: unknown, valid: (item: string) => boolean): string[] | undefined {
  if (value === undefined) return undefined
  if (
    !Array.isArray(value) ||
    value.length === 0 ||
    !value.every((item) => typeof item === 'string' && valid(item))
  ) {
    fail(option, 'must be a non-empty list of valid values')
  }
  return [...(value as string[])]
}

const BEARER_METHODS: ReadonlySet<string> = new Set(['header', 'body', 'query'])

/** Every member of {@link ProtectedResourceOptions} (exhaustive by type): a misspelt one is refused, not ignored. */
const OPTION_NAMES: Record<keyof ProtectedResourceOptions, true> = {
  resource: true,
  authorizationServers: true,
  scopesSupported: true,
  bearerMethodsSupported: true,
  resourceSigningAlgValuesSupported: true,
  resourceName: true,
  resourceDocumentation: true,
  resourcePolicyUri: true,
  resourceTosUri: true,
  jwksUri: true,
  tlsClientCertificateBoundAccessTokens: true,
  authorizationDetailsTypesSupported: true,
}

/**
 * Checks the options once and builds the RFC 9728 §2 document. `defaults` are what the face
 * knows: the configured issuers, the bearer methods it accepts, and its DPoP policy, which
 * becomes `dpop_signing_alg_values_supported` and `dpop_bound_access_tokens_required`.
 */
export function resolveProtectedResource(
  options: ProtectedResourceOptions,
  defaults: ResourceDefaults,
): ResolvedProtectedResource {
  if (typeof options !== 'object' || options === null) fail('protectedResource', 'must be an object')
  const unknown = Object.keys(options).find((name) => !Object.hasOwn(OPTION_NAMES, name))
  if (unknown !== undefined) fail('protectedResource', `has no member named ${JSON.stringify(unknown)}`)
  const resource = canonicalResource(options.resource)
  const servers = stringList('authorizationServers', options.authorizationServers, isFetchableUrl) ?? [
    ...defaults.issuers,
  ]
  const scopes = stringList('scopesSupported', options.scopesSupported, (item) => SCOPE_TOKEN.test(item))
  const methods =
    stringList('bearerMethodsSupported', options.bearerMethodsSupported, (item) =>
      BEARER_METHODS.has(item),
    ) ?? defaults.bearerMethods
  const signing = stringList(
    'resourceSigningAlgValuesSupported',
    options.resourceSigningAlgValuesSupported,
    (item) => /^[A-Za-z0-9+-]+$/.test(item),
  )
  if (options.resourceName !== undefined && typeof options.resourceName !== 'string') {
    fail('resourceName', 'must be a string')
  }
  const mtls = options.tlsClientCertificateBoundAccessTokens
  if (mtls !== undefined && typeof mtls !== 'boolean')
    fail('tlsClientCertificateBoundAccessTokens', 'must be a boolean')
  const details = stringList(
    'authorizationDetailsTypesSupported',
    options.authorizationDetailsTypesSupported,
    (item) => SCOPE_TOKEN.test(item),
  )
  const optional = {
    scopes_supported: scopes,
    bearer_methods_supported: [...methods] as BearerMethod[],
    resource_signing_alg_values_supported: signing,
    resource_name: options.resourceName,
    resource_documentation: urlOption('resourceDocumentation', options.resourceDocumentation),
    resource_policy_uri: urlOption('resourcePolicyUri', options.resourcePolicyUri),
    resource_tos_uri: urlOption('resourceTosUri', options.resourceTosUri),
    jwks_uri: urlOption('jwksUri', options.jwksUri),
    tls_client_certificate_bound_access_tokens: mtls,
    authorization_details_types_supported: details,
    dpop_signing_alg_values_supported:
      defaults.dpop === undefined ? undefined : [...defaults.dpop.algorithms],
    dpop_bound_access_tokens_required: defaults.dpop?.only,
  }
  const document = { resource, authorization_servers: servers } as ProtectedResourceMetadata
  for (const [name, value] of Object.entries(optional)) {
    if (value !== undefined) Object.assign(document, { [name]: value })
  }
  const wellKnownPath = wellKnownMetadataPath(resource)
  return {
    resource,
    wellKnownPath,
    metadataUrl: `${new URL(resource).origin}${wellKnownPath}`,
    document,
    challengeScope: scopes ?? [],
  }
}

/** The metadata route's answer, framework-neutral like `HttpAnswer`. */
export interface MetadataAnswer {
  status: 200 | 204 | 405
  headers: Record<string, string>
  /** Serialised JSON; null for HEAD, OPTIONS and 405. */
  body: string | null
}

const METHODS = 'GET, HEAD, OPTIONS'

/**
 * Serves the document: `GET`/`HEAD` as `application/json` that clients and shared caches may
 * keep, readable from any origin (browser-based clients discover too); `OPTIONS` is the CORS
 * preflight (the MCP SDK sends an `MCP-Protocol-Version` header, which needs one); other
 * methods get 405.
 */
export function metadataAnswer(method: string, document: ProtectedResourceMetadata): MetadataAnswer {
  const verb = method.toUpperCase()
  const cors = { 'access-control-allow-origin': '*' }
  if (verb === 'OPTIONS') {
    return {
      status: 204,
      headers: {
        ...cors,
        'access-control-allow-methods': METHODS,
        'access-control-allow-headers': '*',
        'access-control-max-age': String(METADATA_MAX_AGE_SECONDS),
      },
      body: null,
    }
  }
  if (verb !== 'GET' && verb !== 'HEAD')
    return { status: 405, headers: { ...cors, allow: METHODS }, body: null }
  return {
    status: 200,
    headers: {
      'content-type': 'application/json',
      'cache-control': `public, max-age=${METADATA_MAX_AGE_SECONDS}`,
      ...cors,
    },
    body: verb === 'HEAD' ? null : JSON.stringify(document),
  }
}
