/** The MCP SDK's client discovery against the Express middleware over real HTTP. */
import express from 'express'
import { describe, expect, it } from 'vitest'
import * as expressFace from '../../src/express/index.js'
import { createTestIssuer } from '../../src/testing/index.js'
import { listen } from '../middleware/support/express-app.js'
import { clientFetch, discover } from '../middleware/support/mcp-discovery.js'

describe('MCP SDK client discovery against Express', () => {
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
})
