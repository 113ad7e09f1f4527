import { assertStepUp } from '../checks/step-up.js'
import type { AuthScheme, JwtAuthError } from '../errors.js'
import { toJwtAuthError } from '../http/answer.js'
import { jsonResponse } from '../http/json-response.js'
import { inScheme } from '../middleware/presented-token.js'
import {
  metadataAnswer,
  PROTECTED_RESOURCE_WELL_KNOWN,
  type ResolvedProtectedResource,
  type ResourceDefaults,
  resolveProtectedResource,
} from '../middleware/protected-resource.js'
import type { AudienceRule, VerifiedToken } from '../verifier/options.js'
import type { GatewayConfig } from './config/load.js'
import { isPublicPath } from './path.js'

/** One protected resource of the gateway and the path prefix it covers. */
export interface GatewayResource extends ResolvedProtectedResource {
  /** Normalised path without a trailing slash; `''` for a resource at the root. */
  prefix: string
}

/** Builds each resource's document once, from the already checked configuration. */
export function gatewayResources(config: GatewayConfig, dpop: ResourceDefaults['dpop']): GatewayResource[] {
  return config.resources.map((resource) => {
    const resolved = resolveProtectedResource(
      {
        resource,
        authorizationServers: config.authorizationServers,
        ...(config.scopesSupported.length === 0 ? {} : { scopesSupported: config.scopesSupported }),
      },
      // The gateway reads `Authorization: Bearer` only (src/worker/auth.ts).
      { issuers: config.issuers, bearerMethods: ['header'], dpop },
    )
    return { ...resolved, prefix: new URL(resource).pathname.replace(/\/+$/, '') }
  })
}

/** The resource whose prefix covers `path` (segment-wise), the longest one when they nest. */
export function resourceFor(
  path: string,
  resources: readonly GatewayResource[],
): GatewayResource | undefined {
  let found: GatewayResource | undefined
  for (const candidate of resources) {
    const { prefix } = candidate
    const covers = prefix === '' || path === prefix || path.startsWith(`${prefix}/`)
    if (covers && (found === undefined || prefix.length > found.prefix.length)) found = candidate
  }
  return found
}

/** Whether `path` is a Protected Resource Metadata URI, ours or not. */
export function isMetadataPath(path: string): boolean {
  return path === PROTECTED_RESOURCE_WELL_KNOWN || path.startsWith(`${PROTECTED_RESOURCE_WELL_KNOWN}/`)
}

/**
 * Answers a metadata URI: the resource whose path-inserted URI it is (RFC 9728 §3.1); the bare
 * URI names the root resource, or the only one. Anything else is 404: with several resources
 * the gateway will not guess which one a client meant.
 */
export function serveMetadata(method: string, path: string, resources: readonly GatewayResource[]): Response {
  const [only] = resources
  const match =
    resources.find((resource) => resource.wellKnownPath === path) ??
    (path === PROTECTED_RESOURCE_WELL_KNOWN && resources.length === 1 ? only : undefined)
  if (match === undefined) {
    return jsonResponse(method, 404, { error: 'not_found', error_description: 'No such protected resource' })
  }
  const answer = metadataAnswer(method, match.document)
  return new Response(answer.body, { status: answer.status, headers: answer.headers })
}

/**
 * Who a token must be for on a request under `resource` (or under none). The verifier accepts
 * every resource's audience, AUDIENCE and CLIENT_IDS at once (one key cache for all); this
 * narrows them, per call and before any key fetch, to the request's own: under a resource its
 * identifier is the only audience, so a token minted for `/mcp-a` does not pass on `/mcp-b` and
 * a token without `aud` names no resource at all (RFC 8707 §2, RFC 9068 §4); under none,
 * AUDIENCE and CLIENT_IDS apply.
 */
export function audienceHere(resource: GatewayResource | undefined, config: GatewayConfig): AudienceRule {
  return resource === undefined
    ? { audience: config.audiences, clientIds: config.clientIds.length === 0 ? undefined : config.clientIds }
    : { audience: [resource.resource] }
}

/** What {@link resourceRefusal} needs of the gateway's runtime. */
export interface ResourcePolicy {
  config: GatewayConfig
  now: () => number
  onEvent: (event: { type: 'verify_failed'; code: JwtAuthError['code']; issuer: string }) => void
}

/**
 * The check after the verifier's (which took the request's own audience, {@link audienceHere},
 * and REQUIRED_SCOPES): STEP_UP_* on the normalised `path` when it is under STEP_UP_PATHS (or
 * that is empty). The refusal is reported to `onEvent` like the verifier's own failures, with
 * its precise code, and answered in the credential's scheme (RFC 9449 §7.1).
 */
export function resourceRefusal(
  verified: VerifiedToken,
  path: string,
  policy: ResourcePolicy,
  scheme: AuthScheme,
): JwtAuthError | undefined {
  const { config } = policy
  try {
    const stepUpHere = config.stepUpPaths.length === 0 || isPublicPath(path, config.stepUpPaths)
    if (config.stepUp !== undefined && stepUpHere) assertStepUp(verified.payload, config.stepUp, policy.now())
    return undefined
  } catch (error) {
    const refused = inScheme(toJwtAuthError(error), scheme)
    policy.onEvent({ type: 'verify_failed', code: refused.code, issuer: verified.issuer })
    return refused
  }
}
