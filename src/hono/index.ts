/**
 * `jwks-gateway/hono`: bearer JWT authentication for Hono, on Workers, Node, Deno and Bun.
 */
export type { AuthContext, AuthErrorObserver } from '../middleware/options.js'
export { requireScopes, requireStepUp } from './guards.js'
export {
  type JwksAuthEnv,
  type JwksAuthOptions,
  jwksAuth,
  type OptionalJwksAuthEnv,
} from './jwks-auth.js'
export { protectedResourceMetadata } from './protected-resource.js'
