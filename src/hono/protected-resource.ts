import type { MiddlewareHandler } from 'hono'
import { createMetadataRoute, type MetadataRouteOptions } from '../middleware/metadata-route.js'

/**
 * Serves the RFC 9728 Protected Resource Metadata of the resource that `jwksAuth()` guards,
 * at `/.well-known/oauth-protected-resource<resource path>` and `/.well-known/oauth-protected-resource`,
 * as cacheable JSON readable from any origin (with its CORS preflight). Mount it at the root,
 * ahead of the authenticated routes; every other path goes on to the app.
 *
 * @example
 * const options = { issuer: 'https://idp.example.com', protectedResource: { resource: 'https://mcp.example.com/mcp' } }
 * app.use(protectedResourceMetadata(options))
 * app.use('/mcp', jwksAuth(options))
 */
export function protectedResourceMetadata(options: MetadataRouteOptions): MiddlewareHandler {
  const route = createMetadataRoute(options)
  return async function protectedResourceMetadata(c, next) {
    const answer = route(c.req.method, c.req.path)
    if (answer === undefined) return next()
    return new Response(answer.body, { status: answer.status, headers: answer.headers })
  }
}
