/**
 * The MCP TypeScript SDK's own client-side discovery, run against our 401 challenges and
 * metadata documents: what a real MCP client does before it asks for a token.
 */
import {
  discoverAuthorizationServerMetadata,
  discoverOAuthProtectedResourceMetadata,
  discoverOAuthServerInfo,
  extractResourceMetadataUrl,
  extractWWWAuthenticateParams,
} from '@modelcontextprotocol/sdk/client/auth.js'
import type { TestIssuer } from '../../../src/testing/index.js'

export type Handler = (request: Request) => Response | Promise<Response>

/** One fetch for the client: the issuer's URLs go to the test issuer, the rest to `app`. */
export function clientFetch(idp: TestIssuer, app: Handler): typeof fetch {
  return (async (input: RequestInfo | URL, init?: RequestInit) => {
    const request = new Request(input, init)
    return request.url.startsWith(idp.issuer) ? idp.fetch(request) : app(request)
  }) as typeof fetch
}

/** Everything the SDK's discovery finds, starting from one unauthenticated request. */
export async function discover(serverUrl: string, fetchFn: typeof fetch) {
  const challenge = await fetchFn(serverUrl, { method: 'POST' })
  const params = extractWWWAuthenticateParams(challenge)
  const legacyUrl = extractResourceMetadataUrl(challenge)
  const fromChallenge = await discoverOAuthProtectedResourceMetadata(
    serverUrl,
    params.resourceMetadataUrl === undefined ? {} : { resourceMetadataUrl: params.resourceMetadataUrl },
    fetchFn,
  )
  // Without the challenge: the SDK probes the path-inserted URI, then the bare one.
  const byProbing = await discoverOAuthProtectedResourceMetadata(serverUrl, {}, fetchFn)
  const authorizationServer = fromChallenge.authorization_servers?.[0] ?? ''
  const asMetadata = await discoverAuthorizationServerMetadata(authorizationServer, { fetchFn })
  const info = await discoverOAuthServerInfo(serverUrl, {
    ...(params.resourceMetadataUrl === undefined ? {} : { resourceMetadataUrl: params.resourceMetadataUrl }),
    fetchFn,
  })
  return { status: challenge.status, params, legacyUrl, fromChallenge, byProbing, asMetadata, info }
}
