import type { RequestHandler } from 'express'
import { createMetadataRoute, type MetadataRouteOptions } from '../middleware/metadata-route.js'

/**
 * Serves the RFC 9728 Protected Resource Metadata of the resource that `jwksAuth()` guards,
 * at `/.well-known/oauth-protected-resource<resource path>` and `/.well-known/oauth-protected-resource`,
 * as cacheable JSON readable from any origin (with its CORS preflight). Mount it on the app
 * itself (the well-known URI is on the origin's root), ahead of the authenticated routes.
 *
 * @example
 * const options = { issuer: 'https://idp.example.com', protectedResource: { resource: 'https://mcp.example.com/mcp' } }
 * app.use(protectedResourceMetadata(options))
 * app.use('/mcp', jwksAuth(options))
 */
export function protectedResourceMetadata(options: MetadataRouteOptions): RequestHandler {
  const route = createMetadataRoute(options)
  return function protectedResourceMetadata(req, res, next) {
    // `originalUrl`: the path from the origin's root, whatever router this is mounted in.
    const url = req.originalUrl ?? req.url ?? '/'
    const query = url.indexOf('?')
    const answer = route(req.method, query === -1 ? url : url.slice(0, query))
    if (answer === undefined) return next()
    res.statusCode = answer.status
    for (const [name, value] of Object.entries(answer.headers)) res.setHeader(name, value)
    res.end(answer.body ?? undefined)
  }
}
