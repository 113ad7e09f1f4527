import { type DpopOptions, dpopChallenge, resolveSenderPolicy } from '../sender/options.js'
import { VerifierConfigError } from '../verifier/config.js'
import type { VerifierOptions } from '../verifier/options.js'
import { resolveResource } from './options.js'
import {
  type MetadataAnswer,
  metadataAnswer,
  PROTECTED_RESOURCE_WELL_KNOWN,
  type ProtectedResourceOptions,
} from './protected-resource.js'

/**
 * Options of `protectedResourceMetadata()`: the same object given to `jwksAuth()` will do, as
 * only `issuer` (the default `authorization_servers`), `query` (a bearer method), `dpop` (its
 * algorithms and whether it is required) and `protectedResource` are read.
 *
 * @example
 * const options = { issuer, protectedResource: { resource: 'https://mcp.example.com/mcp' } }
 * app.use(protectedResourceMetadata(options))
 * app.use('/mcp', jwksAuth(options))
 */
export interface MetadataRouteOptions {
  issuer: VerifierOptions['issuer']
  query?: boolean
  /** With DPoP on, the document names its proof algorithms and whether DPoP is required. */
  dpop?: DpopOptions
  protectedResource?: ProtectedResourceOptions
}

/** Answers the document's paths; `undefined` for any other path (the app goes on). */
export type MetadataRoute = (method: string, pathname: string) => MetadataAnswer | undefined

/**
 * The metadata route of one protected resource, checked once. It answers at the path-inserted
 * well-known URI (RFC 9728 §3.1) and at the bare one, which is where clients that know only
 * the origin look first.
 */
export function createMetadataRoute(options: MetadataRouteOptions): MetadataRoute {
  if (typeof options !== 'object' || options === null || options.protectedResource === undefined) {
    throw new VerifierConfigError('protectedResourceMetadata() needs a "protectedResource" option')
  }
  const sender = resolveSenderPolicy({ dpop: options.dpop }, Date.now)
  const resolved = resolveResource(
    options.protectedResource,
    { issuer: options.issuer },
    options.query === true,
    dpopChallenge(sender),
  )
  const paths = new Set([resolved.wellKnownPath, PROTECTED_RESOURCE_WELL_KNOWN])
  return (method, pathname) => (paths.has(pathname) ? metadataAnswer(method, resolved.document) : undefined)
}
