import type { TestAlgorithm } from './types.js'

/** Where the issuer's endpoints live. */
export interface IssuerPaths {
  /** Issuer URL without a trailing slash, the base of every endpoint URL. */
  base: string
  jwksUri: string
  /** `token_endpoint`, present only with the admin routes. */
  tokenEndpoint: string | undefined
}

/**
 * The discovery document. One document serves both flavours: OpenID Connect Discovery 1.0 §3
 * requires `response_types_supported`, `subject_types_supported` and
 * `id_token_signing_alg_values_supported`; RFC 8414 §2 is satisfied by the same members.
 */
export function discoveryDocument(
  issuer: string,
  paths: IssuerPaths,
  algorithms: readonly TestAlgorithm[],
): Record<string, unknown> {
  return {
    issuer,
    jwks_uri: paths.jwksUri,
    authorization_endpoint: `${paths.base}/authorize`,
    ...(paths.tokenEndpoint === undefined
      ? {}
      : { token_endpoint: paths.tokenEndpoint, grant_types_supported: ['client_credentials'] }),
    response_types_supported: ['code'],
    subject_types_supported: ['public'],
    id_token_signing_alg_values_supported: [...algorithms],
    token_endpoint_auth_methods_supported: ['none'],
  }
}

/** Paths of the two well-known documents; RFC 8414 §3.1 inserts the well-known segment before the issuer's path. */
export function wellKnownPaths(base: string): { oidc: string; oauth: string } {
  const path = new URL(base).pathname.replace(/\/+$/, '')
  return {
    oidc: `${path}/.well-known/openid-configuration`,
    oauth: `/.well-known/oauth-authorization-server${path}`,
  }
}
