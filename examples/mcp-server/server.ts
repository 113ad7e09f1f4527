// A small MCP server (the MCP SDK's server over Streamable HTTP) behind `jwksAuth`, as an OAuth
// protected resource (RFC 9728) whose authorization server is a local test issuer.
// Run with `npm run example:mcp` (it builds first: the example imports the package by name).
// PORT picks the port (default 3001; 0 for any free one). Ctrl-C stops it.
import { serve } from '@hono/node-server'
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js'
import { WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js'
import { Hono } from 'hono'
import { type JwksAuthEnv, jwksAuth, protectedResourceMetadata } from 'jwks-gateway/hono'
import { startTestIssuerServer } from 'jwks-gateway/testing/node'

const HOST = '127.0.0.1'
const TOKEN_LIFETIME_SECONDS = 3600
const SCOPE = 'mcp:tools'

// `admin: true` gives the issuer a token endpoint, which MCP clients look for in its metadata.
const idp = await startTestIssuerServer({ admin: true, discovery: 'both' })

/** One MCP server per request: the SDK's stateless Streamable HTTP pattern. */
function mcpServer(subject: string): McpServer {
  const server = new McpServer({ name: 'jwks-gateway-example', version: '1.0.0' })
  server.registerTool('whoami', { description: 'Who the access token says you are' }, async () => ({
    content: [{ type: 'text', text: `you are ${subject}` }],
  }))
  return server
}

function buildApp(origin: string): Hono<JwksAuthEnv> {
  const options = {
    issuer: idp.url,
    // The resource identifier is the URL clients call; tokens must name it in `aud` (RFC 8707).
    protectedResource: {
      resource: `${origin}/mcp`,
      scopesSupported: [SCOPE],
      resourceName: 'Example MCP server',
    },
    requiredScopes: [SCOPE],
  }
  const app = new Hono<JwksAuthEnv>()
  app.use(protectedResourceMetadata(options))
  app.use('/mcp', jwksAuth(options))
  app.all('/mcp', async (c) => {
    const transport = new WebStandardStreamableHTTPServerTransport({}) // no session id: stateless
    await mcpServer(String(c.get('auth').payload.sub)).connect(transport)
    return transport.handleRequest(c.req.raw)
  })
  return app
}

let app: Hono<JwksAuthEnv> | undefined
const server = serve(
  {
    fetch: (request) => app?.fetch(request) ?? new Response(null, { status: 503 }),
    hostname: HOST,
    port: Number(process.env.PORT ?? 3001),
  },
  async (info) => {
    const origin = `http://${HOST}:${info.port}`
    app = buildApp(origin)
    const token = await idp.issuer.sign(
      { sub: 'alice', aud: `${origin}/mcp`, scope: SCOPE },
      { expiresInSeconds: TOKEN_LIFETIME_SECONDS },
    )
    const initialize = JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      method: 'initialize',
      params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'curl', version: '1' } },
    })
    const post = `-X POST -H "Content-Type: application/json" -H "Accept: application/json, text/event-stream"`
    console.log(`listening on ${origin} (issuer ${idp.url})`)
    console.log('# 1. no token: the 401 names the metadata document')
    console.log(`curl -i ${post} -d '${initialize}' ${origin}/mcp`)
    console.log('# 2. the metadata names the authorization server')
    console.log(`curl ${origin}/.well-known/oauth-protected-resource/mcp`)
    console.log('# 3. the authorization server metadata')
    console.log(`curl ${idp.url}/.well-known/oauth-authorization-server`)
    console.log('# 4. with a token for this resource')
    console.log(`curl -H "Authorization: Bearer ${token}" ${post} -d '${initialize}' ${origin}/mcp`)
  },
)

process.once('SIGINT', () => {
  server.close()
  void idp.close().then(() => console.log('stopped'))
})
