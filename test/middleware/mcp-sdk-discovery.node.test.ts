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
import { checkResourceAllowed } from '@modelcontextprotocol/sdk/shared/auth-utils.js'
import express from 'express'
import { Hono } from 'hono'
import { describe, expect, it } from 'vitest'
import { MemoryKeySetStore } from '../../src/cache/store.js'
import * as expressFace from '../../src/express/index.js'
import { type JwksAuthOptions, jwksAuth, protectedResourceMetadata } from '../../src/hono/index.js'
import { createTestIssuer, type TestIssuer } from '../../src/testing/index.js'
import { createGateway } from '../../src/worker/gateway.js'
import { listen } from './support/express-app.js'

type Handler = (request: Request) => Response | Promise<Response>

/** One fetch for the client: the issuer's URLs go to the test issuer, the rest to `app`. */
function clientFetch(idp: TestIssuer, app: Handler): typeof fetch {
  return (async (input: RequestInfo | URL, init?: RequestInit) => {
    const request = new Request(input, init)
    return request.url.startsWith(idp.issuer) ? idp.fetch(request) : app(request)
  }) as typeof fetch
}

function honoResource(idp: TestIssuer, resource: string): Handler {
  const options: JwksAuthOptions = {
    issuer: idp.issuer,
    fetch: idp.fetch,
    protectedResource: { resource, scopesSupported: ['mcp:tools'], resourceName: 'Test MCP' },
  }
  const app = new Hono()
  app.use(protectedResourceMetadata(options))
  app.use('*', jwksAuth(options))
  app.post('*', (c) => c.json({ ok: true }))
  return (request) => app.fetch(request)
}

/** Everything the SDK's discovery finds, starting from one unauthenticated request. */
async function discover(serverUrl: string, fetchFn: typeof fetch) {
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

describe('MCP SDK client discovery against our resource server', () => {
  it.each([
    [
      'at a path',
      'https://mcp.example.com/mcp',
      'https://mcp.example.com/.well-known/oauth-protected-resource/mcp',
    ],
    [
      'at the root',
      'https://mcp.example.com',
      'https://mcp.example.com/.well-known/oauth-protected-resource',
    ],
  ])('Hono, resource %s: from the 401 to the authorization server', async (_, resource, metadataUrl) => {
    const idp = await createTestIssuer({ admin: true, discovery: 'both' })
    const fetchFn = clientFetch(idp, honoResource(idp, resource))
    const found = await discover(resource, fetchFn)

    expect(found.status).toBe(401)
    expect(found.params.resourceMetadataUrl?.href).toBe(metadataUrl)
    expect(found.params.scope).toBe('mcp:tools')
    expect(found.params.error).toBeUndefined()
    expect(found.legacyUrl?.href).toBe(metadataUrl)
    const document = {
      resource,
      authorization_servers: [idp.issuer],
      scopes_supported: ['mcp:tools'],
      bearer_methods_supported: ['header'],
      resource_name: 'Test MCP',
    }
    expect(found.fromChallenge).toEqual(document)
    expect(found.byProbing).toEqual(document)
    expect(
      checkResourceAllowed({ requestedResource: resource, configuredResource: found.fromChallenge.resource }),
    ).toBe(true)
    expect(found.asMetadata).toMatchObject({
      issuer: idp.issuer,
      token_endpoint: `${idp.issuer}/token`,
      jwks_uri: expect.stringContaining(idp.issuer),
    })
    expect(found.info.authorizationServerUrl).toBe(idp.issuer)
    expect(found.info.resourceMetadata).toEqual(document)
    expect(found.info.authorizationServerMetadata?.issuer).toBe(idp.issuer)

    // The token the client then gets names the discovered resource (RFC 8707): it passes.
    const token = await idp.sign({ aud: found.fromChallenge.resource })
    const ok = await fetchFn(resource, { method: 'POST', headers: { authorization: `Bearer ${token}` } })
    expect(ok.status).toBe(200)
  })

  it('Express over real HTTP, resource at a path: the same discovery', async () => {
    const idp = await createTestIssuer({ admin: true, discovery: 'both' })
    let app: express.Express | undefined
    const server = await listen((req, res) => app?.(req, res))
    try {
      const resource = `${server.url}/mcp`
      const options = { issuer: idp.issuer, fetch: idp.fetch, protectedResource: { resource } }
      app = express()
      app.use(expressFace.protectedResourceMetadata(options))
      app.use('/mcp', expressFace.jwksAuth(options))
      app.post('/mcp', (_req, res) => void res.json({ ok: true }))
      const found = await discover(
        resource,
        clientFetch(idp, (request) => fetch(request)),
      )
      expect(found.params.resourceMetadataUrl?.href).toBe(
        `${server.url}/.well-known/oauth-protected-resource/mcp`,
      )
      const document = { resource, authorization_servers: [idp.issuer], bearer_methods_supported: ['header'] }
      expect(found.fromChallenge).toEqual(document)
      expect(found.byProbing).toEqual(document)
      expect(found.info.authorizationServerUrl).toBe(idp.issuer)
      expect(found.asMetadata?.token_endpoint).toBe(`${idp.issuer}/token`)
    } finally {
      await server.close()
    }
  })

  it('gateway with two resources: each 401 leads the client to its own document, and a token for one fails on the other', async () => {
    const idp = await createTestIssuer({ admin: true, discovery: 'both' })
    const gateway = createGateway({
      fetch: idp.fetch,
      store: new MemoryKeySetStore(),
      vars: {
        ISSUER: idp.issuer,
        RESOURCES: 'https://gw.example.com/mcp-a,https://gw.example.com/mcp-b',
        SCOPES_SUPPORTED: 'mcp:tools',
      },
      log: () => undefined,
      onEvent: () => undefined,
    })
    const fetchFn = clientFetch(idp, (request) => gateway.fetch(request))
    const a = await discover('https://gw.example.com/mcp-a', fetchFn)
    const b = await discover('https://gw.example.com/mcp-b', fetchFn)
    expect(a.params.resourceMetadataUrl?.href).toBe(
      'https://gw.example.com/.well-known/oauth-protected-resource/mcp-a',
    )
    expect(b.params.resourceMetadataUrl?.href).toBe(
      'https://gw.example.com/.well-known/oauth-protected-resource/mcp-b',
    )
    expect(a.fromChallenge.resource).toBe('https://gw.example.com/mcp-a')
    expect(b.fromChallenge.resource).toBe('https://gw.example.com/mcp-b')
    expect(a.byProbing.resource).toBe('https://gw.example.com/mcp-a')
    expect(a.info.authorizationServerUrl).toBe(idp.issuer)
    expect(b.asMetadata?.issuer).toBe(idp.issuer)

    const forA = await idp.sign({ aud: a.fromChallenge.resource })
    const onB = await fetchFn('https://gw.example.com/mcp-b', {
      headers: { authorization: `Bearer ${forA}` },
    })
    expect(onB.status).toBe(401)
    expect(extractWWWAuthenticateParams(onB)).toEqual({
      resourceMetadataUrl: new URL('https://gw.example.com/.well-known/oauth-protected-resource/mcp-b'),
      scope: 'mcp:tools',
      error: 'invalid_token',
    })
  })
})
