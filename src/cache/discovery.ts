import * as z from 'zod/mini'
import { type BoundedFetchOptions, boundedFetchJson } from './bounded-fetch.js'
import { FetchFailure } from './fetch-failure.js'
import { isFetchableUrl } from './transport.js'

const metadataSchema = z.looseObject({ issuer: z.string(), jwks_uri: z.string() })

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
 * another issuer's keys. RFC 8414 is tried only when the OIDC document does not exist (4xx):
 * an issuer that is down is not asked twice.
 */
export async function discoverJwksUri(
  issuer: string,
  options: Omit<BoundedFetchOptions, 'etag'>,
): Promise<string> {
  let lastFailure = new FetchFailure('no metadata document')
  for (const url of metadataUrls(issuer)) {
    let body: unknown
    try {
      const result = await boundedFetchJson(url, options)
      if (result.status !== 200) throw new FetchFailure('unexpected status 304')
      body = result.body
    } catch (error) {
      if (!(error instanceof FetchFailure)) throw error
      lastFailure = new FetchFailure(`discovery: ${error.message}`, error.retryAfterMs)
      if (/^unexpected status 4(?!29)/.test(error.message)) continue
      throw lastFailure
    }
    const parsed = metadataSchema.safeParse(body)
    if (!parsed.success) throw new FetchFailure('discovery: document has no issuer or jwks_uri')
    if (parsed.data.issuer !== issuer) throw new FetchFailure('discovery: document names another issuer')
    if (!isFetchableUrl(parsed.data.jwks_uri)) throw new FetchFailure('discovery: jwks_uri is not https')
    return parsed.data.jwks_uri
  }
  throw lastFailure
}
