/**
 * `jwks-gateway/express`: bearer JWT authentication for Express 4 and 5. Express itself is
 * an optional peer dependency and is never imported at run time.
 */
// For `passErrors` error handlers: tell our errors apart and answer them per docs/middleware.md#http-answers.
export { isJwtAuthError, JwtAuthError, type JwtAuthErrorCode } from '../errors.js'
export { httpAnswer } from '../http/answer.js'
export type { AuthContext, AuthErrorObserver } from '../middleware/options.js'
export { requireScopes, requireStepUp } from './guards.js'
export {
  type AuthenticatedHandler,
  getAuth,
  type JwksAuthOptions,
  type JwtAuthRequest,
  jwksAuth,
  withAuth,
} from './jwks-auth.js'
export { protectedResourceMetadata } from './protected-resource.js'
