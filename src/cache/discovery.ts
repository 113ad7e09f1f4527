import { type BoundedFetchOptions, boundedFetch } from './bounded-fetch.js'
import { FetchFailure, isNotThere } from './fetch-failure.js'
import { isFetchableUrl } from './transport.js'

/** The two members discovery reads (OIDC Discovery §3, RFC 8414 §2), when both are strings. */
function metadataOf(body: unknown): { issuer: string; jwks_uri: string } | undefined {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return undefined
  const { issuer, jwks_uri } = body as Record<string, unknown>
  return typeof issuer === 'string' && typeof jwks_uri === 'string' ? { issuer, jwks_uri } : undefined
}

/** Prefix of every discovery failure's reason. */
const DISCOVERY = 'discovery: '

/** Where the metadata of an issuer lives: OIDC Discovery §4, then RFC 8414 §3. */
export function metadataUrls(issuer: string): string[] {
  const url = new URL(issuer)
  const path = url.pathname.replace(/\/$/, '')
  return [
    `${url.origin}${path}/.well-known/openid-configuration`,
    // RFC 8414 inserts the well-known segment before the issuer's path.
    `${url.origin}/.well-known/oauth-authorization-server${path}`,
  ]
}

/**
 * Finds an issuer's `jwks_uri`. The document must name exactly the configured issuer (OIDC
 * Discovery §4.3, RFC 8414 §3.3), or an attacker who can serve one document could vouch for
 * another issuer's keys. RFC 8414 is tried only when the OIDC document is not there (a 4xx other
 * than 429): an issuer that is down is not asked twice. Every failure names the URL that failed.
 * The `jwks_uri` comes back as the URL parser writes it, so no control character of the
 * document survives into a request, a log or an event.
 * `documentUrl` replaces the well-known locations (Entra's `common` document, whose `issuer` is
 * the `{tenantid}` template).
 */
export async function discoverJwksUri(
  issuer: string,
  options: Omit<BoundedFetchOptions, 'etag'>,
  documentUrl?: string,
): Promise<string> {
  let lastFailure: FetchFailure | undefined
  for (const url of documentUrl === undefined ? metadataUrls(issuer) : [documentUrl]) {
    let body: unknown
    try {
      const result = await boundedFetch(url, options)
      if (result.status !== 200) {
        throw new FetchFailure('unexpected status 304', { kind: 'status', status: 304, url })
      }
      body = result.body
    } catch (error) {
      if (!(error instanceof FetchFailure)) throw error
      lastFailure = error.at(url, DISCOVERY)
      if (isNotThere(error)) continue
      throw lastFailure
    }
    const metadata = metadataOf(body)
    const refuse = (reason: string) => new FetchFailure(`${DISCOVERY}${reason}`, { kind: 'document', url })
    if (metadata === undefined) throw refuse('document has no issuer or jwks_uri')
    if (metadata.issuer !== issuer) throw refuse('document names another issuer')
    if (!isFetchableUrl(metadata.jwks_uri)) throw refuse('jwks_uri is not https')
    return new URL(metadata.jwks_uri).href
  }
  throw lastFailure ?? new FetchFailure(`${DISCOVERY}no metadata document`, { kind: 'document' })
}
