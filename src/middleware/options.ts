import type { JWTPayload } from 'jose'
import type { StepUpRequirement } from '../checks/step-up.js'
import type { JwtAuthError } from '../errors.js'
import { DEFAULT_REALM, type HttpAnswerOptions } from '../http/answer.js'
import { HTTP_TOKEN } from '../http/grammar.js'
import {
  type DpopOptions,
  dpopChallenge,
  type MtlsOptions,
  type ResolvedSenderPolicy,
  resolveSenderPolicy,
} from '../sender/options.js'
import { resolveIssuers, VerifierConfigError } from '../verifier/config.js'
import { checkVerifierOptionNames, type OptionNames } from '../verifier/option-names.js'
import { VERIFIER_OPTION_NAMES, type VerifiedToken, type VerifierOptions } from '../verifier/options.js'
import type { TokenSources } from './extract-token.js'
import {
  type BearerMethod,
  type ProtectedResourceOptions,
  type ResolvedProtectedResource,
  type ResourceDefaults,
  resolveProtectedResource,
} from './protected-resource.js'
import { checkStepUp } from './step-up.js'

/**
 * The verified identity a middleware hands to the handler: `c.get('auth')` in Hono,
 * `req.auth` in Express.
 *
 * @example
 * const { payload, issuer, kid, token } = c.get('auth')
 */
export interface AuthContext<P extends JWTPayload = JWTPayload> extends VerifiedToken<P> {
  /** The compact JWS as received, e.g. to forward it to an upstream. */
  token: string
}

/**
 * Observes every rejection (400, 401, 403, 503) with its precise `code`, which the client
 * never sees. It cannot change the answer: its return value is ignored, a throw or rejected
 * promise is swallowed, and the answer does not wait for a promise it returns (on Workers
 * the promise is kept alive with `waitUntil`).
 *
 * @example
 * jwksAuth({ issuer, audience, onError: (error) => console.warn('auth rejected', error.code) })
 */
export type AuthErrorObserver<C> = (error: JwtAuthError, context: C) => void | Promise<void>

/**
 * Options of `jwksAuth()` shared by Hono and Express: every verifier option (issuer, audience,
 * algorithms, cache, `fetch`...) plus how the middleware reads and answers requests. `C` is
 * what the error observer receives: the Hono `Context`, or the Express request.
 */
export interface MiddlewareOptions<C> extends VerifierOptions {
  /** `realm` of the `WWW-Authenticate` challenge. Default `"api"`. */
  realm?: string
  /**
   * Also read the token from this cookie. Off by default: a cookie is sent by the browser on
   * cross-site requests too, so enable it only with CSRF protection (`SameSite`, origin checks).
   */
  cookie?: string
  /**
   * Also read the token from this request header, whose whole value is the token (no `Bearer`):
   * `Cf-Access-Jwt-Assertion` behind Cloudflare Access, `X-Forwarded-Access-Token` behind
   * oauth2-proxy. Only trust it when a proxy you run sets it and removes any client copy; a
   * token sent both there and elsewhere is a 400, like any token sent twice.
   */
  tokenHeader?: string
  /**
   * Also accept `?access_token=` (RFC 6750 §2.3). Off by default: URLs end up in logs,
   * history and `Referer` headers.
   */
  query?: boolean
  /**
   * A request without any token continues unauthenticated (no `auth`) instead of 401. A token
   * that is present is still verified, and an invalid one is still rejected.
   */
  optional?: boolean
  onError?: AuthErrorObserver<C>
  /**
   * Accept DPoP-bound tokens (RFC 9449): `Authorization: DPoP <token>` with a `DPoP` proof.
   * Default: off — and even then a token with `cnf.jkt` sent as Bearer is refused. See docs/dpop.md.
   */
  dpop?: DpopOptions
  /**
   * Certificate-bound tokens (RFC 8705): a token with `cnf["x5t#S256"]` is always refused
   * unless the TLS client certificate matches; this only says where else to read it.
   */
  mtls?: MtlsOptions
  /**
   * Makes the routes an OAuth protected resource (RFC 9728): every 400/401/403 challenge
   * carries `resource_metadata` (and a 401 the `scope` to ask for), `protectedResourceMetadata()`
   * serves the document, and, unless `audience` is given, the accepted audience is exactly the
   * canonical `resource` (RFC 8707), so a token minted for another API on the same issuer fails.
   */
  protectedResource?: ProtectedResourceOptions
  /**
   * Step-up (RFC 9470) every request must meet: an accepted `acr` and/or a recent enough
   * `auth_time`, else 401 `insufficient_user_authentication` naming `acr_values`/`max_age`.
   * Routes may demand more with `requireStepUp()`.
   */
  stepUp?: StepUpRequirement
}

/** Every {@link MiddlewareOptions} name: `jwksAuth()` refuses any other. */
export const MIDDLEWARE_OPTION_NAMES: OptionNames<MiddlewareOptions<unknown>> = {
  ...VERIFIER_OPTION_NAMES,
  realm: true,
  cookie: true,
  tokenHeader: true,
  query: true,
  optional: true,
  onError: true,
  dpop: true,
  mtls: true,
  protectedResource: true,
  stepUp: true,
}

/** The middleware's own settings, checked once at construction. */
export interface ResolvedMiddlewareOptions<C> {
  realm: string
  /** What every rejection's challenge says besides the error: realm, `resource_metadata`, 401 `scope`. */
  answer: HttpAnswerOptions
  resource: ResolvedProtectedResource | undefined
  stepUp: StepUpRequirement | undefined
  sources: TokenSources
  optional: boolean
  onError: AuthErrorObserver<C> | undefined
  sender: ResolvedSenderPolicy
  verifier: VerifierOptions
}

/** A field name that is not one of the carriers read anyway (they have their own rules). */
export function isTokenHeaderName(name: unknown): name is string {
  return (
    typeof name === 'string' &&
    HTTP_TOKEN.test(name) &&
    !['authorization', 'cookie'].includes(name.toLowerCase())
  )
}

function fail(message: string, option: string): never {
  throw new VerifierConfigError(message, option)
}

/**
 * Checks the middleware options and splits them from the verifier's. Unknown names and bad
 * values throw `VerifierConfigError` naming the option, at construction and never per request.
 *
 * @param known - Every option name of the calling face (Express adds its own).
 */
export function resolveMiddlewareOptions<C>(
  options: MiddlewareOptions<C>,
  known: Readonly<Record<string, true>> = MIDDLEWARE_OPTION_NAMES,
): ResolvedMiddlewareOptions<C> {
  checkVerifierOptionNames('jwksAuth()', options, known)
  const {
    realm,
    cookie,
    tokenHeader,
    query,
    optional,
    onError,
    dpop,
    mtls,
    protectedResource,
    stepUp,
    ...verifier
  } = options
  if (realm !== undefined && typeof realm !== 'string') fail('"realm" option must be a string', 'realm')
  if (cookie !== undefined && (typeof cookie !== 'string' || !HTTP_TOKEN.test(cookie))) {
    fail('"cookie" option must be a cookie name', 'cookie')
  }
  if (query !== undefined && typeof query !== 'boolean') fail('"query" option must be a boolean', 'query')
  if (optional !== undefined && typeof optional !== 'boolean') {
    fail('"optional" option must be a boolean', 'optional')
  }
  if (onError !== undefined && typeof onError !== 'function') {
    fail('"onError" option must be a function', 'onError')
  }
  if (tokenHeader !== undefined && !isTokenHeaderName(tokenHeader)) {
    fail('"tokenHeader" option must be a header name other than Authorization and Cookie', 'tokenHeader')
  }
  const sender = resolveSenderPolicy({ dpop, mtls }, verifier.now ?? Date.now)
  const resource =
    protectedResource === undefined
      ? undefined
      : resolveResource(protectedResource, verifier, query === true, dpopChallenge(sender))
  const answer: HttpAnswerOptions = { realm: realm ?? DEFAULT_REALM }
  if (resource !== undefined) {
    answer.resourceMetadata = resource.metadataUrl
    const required = verifier.requiredScopes ?? []
    answer.scope = required.length > 0 ? required : resource.challengeScope
  }
  return {
    realm: realm ?? DEFAULT_REALM,
    answer,
    resource,
    stepUp: checkStepUp(stepUp, 'stepUp'),
    sources: { cookie, query: query ?? false, header: tokenHeader?.toLowerCase() },
    optional: optional ?? false,
    onError,
    sender,
    verifier:
      resource !== undefined && verifier.audience === undefined
        ? { ...verifier, audience: resource.resource }
        : verifier,
  }
}

/**
 * The protected resource of a middleware: its document lists the configured issuers unless
 * told otherwise, and the bearer methods the middleware reads (RFC 9728 §2; a cookie has no
 * registered method name).
 */
export function resolveResource(
  options: ProtectedResourceOptions,
  verifier: VerifierOptions,
  query: boolean,
  dpop: ResourceDefaults['dpop'],
): ResolvedProtectedResource {
  const bearerMethods: BearerMethod[] = query ? ['header', 'query'] : ['header']
  const issuers = resolveIssuers(verifier).map((resolved) => resolved.issuer)
  return resolveProtectedResource(options, { issuers, bearerMethods, dpop })
}
