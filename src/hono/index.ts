/**
 * `jwks-gateway/hono`: bearer JWT authentication for Hono, on Workers, Node, Deno and Bun.
 */
export type { AuthContext, AuthErrorObserver } from '../middleware/options.js'
export { jwksAuth } from './jwks-auth.js'
export { protectedResourceMetadata } from './protected-resource.js'
export { requireScopes } from './require-scopes.js'
export { requireStepUp } from './require-step-up.js'
export type { JwksAuthEnv, JwksAuthOptions, OptionalJwksAuthEnv } from './types.js'
