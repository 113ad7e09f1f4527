/** The MCP SDK's client discovery against the Hono middleware, in workerd and Node. */
import { checkResourceAllowed } from '@modelcontextprotocol/sdk/shared/auth-utils.js'
import { Hono } from 'hono'
import { describe, expect, it } from 'vitest'
import { type JwksAuthOptions, jwksAuth, protectedResourceMetadata } from '../../src/hono/index.js'
import { createTestIssuer, type TestIssuer } from '../../src/testing/index.js'
import { clientFetch, discover, type Handler } from '../middleware/support/mcp-discovery.js'

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

describe('MCP SDK client discovery against the Hono middleware', () => {
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
})
