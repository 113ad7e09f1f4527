/** The MCP SDK's client discovery against the gateway in workerd: two resources behind one gateway. */
import { extractWWWAuthenticateParams } from '@modelcontextprotocol/sdk/client/auth.js'
import { describe, expect, it } from 'vitest'
import { clientFetch, discover } from '../middleware/support/mcp-discovery.js'
import { GATEWAY, harness, send } from './support/gateway.js'

const A = `${GATEWAY}/mcp-a`
const B = `${GATEWAY}/mcp-b`

describe('MCP SDK client discovery against the gateway', () => {
  it('each 401 leads the client to its own resource and the issuer; a token for one fails on the other', async () => {
    const h = await harness({
      issuer: { admin: true, discovery: 'both' },
      vars: { RESOURCES: `${A},${B}`, SCOPES_SUPPORTED: 'mcp:tools' },
    })
    delete h.env.AUDIENCE
    const fetchFn = clientFetch(h.idp, (request) => send(h.gateway, h.env, request))
    const a = await discover(A, fetchFn)
    const b = await discover(B, fetchFn)
    for (const [found, resource, metadata] of [
      [a, A, `${GATEWAY}/.well-known/oauth-protected-resource/mcp-a`],
      [b, B, `${GATEWAY}/.well-known/oauth-protected-resource/mcp-b`],
    ] as const) {
      expect(found.status).toBe(401)
      expect(found.params).toEqual({
        resourceMetadataUrl: new URL(metadata),
        scope: 'mcp:tools',
        error: undefined,
      })
      expect(found.legacyUrl?.href).toBe(metadata)
      const document = {
        resource,
        authorization_servers: [h.idp.issuer],
        scopes_supported: ['mcp:tools'],
        bearer_methods_supported: ['header'],
      }
      expect(found.fromChallenge).toEqual(document)
      expect(found.byProbing).toEqual(document)
      expect(found.asMetadata).toMatchObject({
        issuer: h.idp.issuer,
        token_endpoint: `${h.idp.issuer}/token`,
      })
      expect(found.info.authorizationServerUrl).toBe(h.idp.issuer)
      expect(found.info.resourceMetadata).toEqual(document)
    }
    expect(h.upstream.calls).toHaveLength(0)

    const forA = await h.idp.sign({ aud: a.fromChallenge.resource })
    const onB = await fetchFn(B, { headers: { authorization: `Bearer ${forA}` } })
    expect(onB.status).toBe(401)
    expect(extractWWWAuthenticateParams(onB)).toEqual({
      resourceMetadataUrl: new URL(`${GATEWAY}/.well-known/oauth-protected-resource/mcp-b`),
      scope: 'mcp:tools',
      error: 'invalid_token',
    })
    const onA = await fetchFn(A, { headers: { authorization: `Bearer ${forA}` } })
    expect(onA.status).toBe(200)
    expect(h.upstream.calls).toHaveLength(1)
  })
})
