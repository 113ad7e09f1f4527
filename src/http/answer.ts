import { type AuthScheme, INVALID_TOKEN_CODES, JwtAuthError, type JwtAuthErrorCode } from '../errors.js'

/** The wire form of a failed authentication (docs/middleware.md#http-answers), framework-neutral. */
export interface HttpAnswer {
  status: 400 | 401 | 403 | 503
  headers: Record<string, string>
  /** JSON body; null for HEAD requests. */
  body: { error: string; error_description: string } | null
}

export interface HttpAnswerOptions {
  /** `realm` of the challenge. Default `"api"`. */
  realm?: string
  /** The request method: HEAD answers carry no body. */
  method?: string
  /**
   * DPoP is accepted here (RFC 9449 §7.1): its challenges carry `algs`, and a request without
   * credentials is offered both schemes — only `DPoP` when `only` is set.
   */
  dpop?: { algorithms: readonly string[]; only: boolean } | undefined
  /**
   * Absolute URL of the resource's RFC 9728 metadata document: the `resource_metadata`
   * parameter of every challenge (RFC 9728 §5.1), so a client learns where to get a token.
   */
  resourceMetadata?: string
  /**
   * Scopes named in the `scope` parameter of a 401 challenge (RFC 6750 §3): what a token for
   * this resource should ask for. A 403 always names the scopes its error carries instead.
   */
  scope?: readonly string[]
}

export const DEFAULT_REALM = 'api'

type AnswerKind =
  | 'missing'
  | 'invalid_request'
  | 'invalid_token'
  | 'invalid_dpop_proof'
  | 'use_dpop_nonce'
  | 'insufficient_scope'
  | 'insufficient_user_authentication'
  | 'unavailable'

/** Exhaustive by type: a new code does not compile until it has an answer. */
const KIND: Record<JwtAuthErrorCode, AnswerKind> = {
  ...(Object.fromEntries(INVALID_TOKEN_CODES.map((code) => [code, 'invalid_token'])) as Record<
    (typeof INVALID_TOKEN_CODES)[number],
    'invalid_token'
  >),
  ERR_TOKEN_MISSING: 'missing',
  ERR_REQUEST_INVALID: 'invalid_request',
  ERR_INSUFFICIENT_SCOPE: 'insufficient_scope',
  ERR_INSUFFICIENT_USER_AUTHENTICATION: 'insufficient_user_authentication',
  ERR_JWKS_UNAVAILABLE: 'unavailable',
  ERR_DPOP_PROOF_INVALID: 'invalid_dpop_proof',
  ERR_DPOP_PROOF_REPLAYED: 'invalid_dpop_proof',
  ERR_DPOP_NONCE_REQUIRED: 'use_dpop_nonce',
  // A bearer token where only DPoP is accepted is a credential of a scheme we do not take.
  ERR_DPOP_REQUIRED: 'missing',
  ERR_REPLAY_STORE_UNAVAILABLE: 'unavailable',
}

/** Codes that only a DPoP request or a DPoP-only resource can produce: always a DPoP challenge. */
const DPOP_ONLY_CODES: ReadonlySet<JwtAuthErrorCode> = new Set([
  'ERR_DPOP_PROOF_INVALID',
  'ERR_DPOP_PROOF_REPLAYED',
  'ERR_DPOP_NONCE_REQUIRED',
  'ERR_DPOP_REQUIRED',
])

/** One auth-param; an undefined value leaves it out, so optional ones can be listed in place. */
export type ChallengeParam = readonly [name: string, value: string | undefined]

/**
 * One challenge (RFC 9110 §11.6.1): a scheme and its auth-params, each value a quoted-string.
 *
 * @example
 * challenge('Bearer', [['realm', 'api'], ['error', 'invalid_token']]) // 'Bearer realm="api", error="invalid_token"'
 */
export function challenge(scheme: string, params: readonly ChallengeParam[]): string {
  const list = params
    .flatMap(([name, value]) => (value === undefined ? [] : [`${name}="${quote(value)}"`]))
    .join(', ')
  return list === '' ? scheme : `${scheme} ${list}`
}

/**
 * The one mapping from an error code to an HTTP answer, shared by Hono, Express and the
 * gateway. Descriptions are deliberately generic: the reason (expired, bad signature, unknown
 * kid) goes to `onEvent`, never to the client, so the answer is no oracle (RFC 8725 §3).
 */
export function httpAnswer(
  error: JwtAuthError | JwtAuthErrorCode,
  options: HttpAnswerOptions = {},
): HttpAnswer {
  const code = typeof error === 'string' ? error : error.code
  const scheme: AuthScheme = DPOP_ONLY_CODES.has(code)
    ? 'DPoP'
    : typeof error === 'string'
      ? 'Bearer'
      : error.scheme
  const realm: ChallengeParam = ['realm', options.realm ?? DEFAULT_REALM]
  const dpop = options.dpop
  const algs: ChallengeParam[] = dpop === undefined ? [] : [['algs', dpop.algorithms.join(' ')]]
  const metadata: ChallengeParam = ['resource_metadata', options.resourceMetadata]
  const scope: ChallengeParam = ['scope', options.scope?.length ? options.scope.join(' ') : undefined]
  /**
   * The challenge of the request's scheme; a DPoP one names the algorithms (RFC 9449 §7.1);
   * every one ends with `resource_metadata` when the resource publishes it (RFC 9728 §5.1).
   */
  const challengeOf = (params: ChallengeParam[]) =>
    scheme === 'DPoP'
      ? challenge('DPoP', [realm, ...algs, ...params, metadata])
      : challenge(scheme, [realm, ...params, metadata])
  const headers: Record<string, string> = { 'content-type': 'application/json', 'cache-control': 'no-store' }
  let status: HttpAnswer['status']
  let body: { error: string; error_description: string }
  const kind = KIND[code]
  if (kind === 'missing') {
    status = 401
    const dpopOnly = dpop?.only === true || code === 'ERR_DPOP_REQUIRED'
    const offered: string[] = []
    if (!dpopOnly) offered.push(challenge('Bearer', [realm, scope, metadata]))
    if (dpopOnly || dpop !== undefined) offered.push(challenge('DPoP', [realm, ...algs, scope, metadata]))
    headers['www-authenticate'] = offered.join(', ')
    body = {
      error: 'unauthorized',
      error_description: dpopOnly ? 'A DPoP-bound access token is required' : 'A bearer token is required',
    }
  } else if (kind === 'invalid_request') {
    status = 400
    headers['www-authenticate'] = challengeOf([['error', 'invalid_request']])
    body = { error: 'invalid_request', error_description: 'The bearer token is empty or sent more than once' }
  } else if (kind === 'insufficient_scope') {
    status = 403
    const scopes = typeof error === 'string' ? [] : (error.requiredScopes ?? [])
    headers['www-authenticate'] = challengeOf([
      ['error', 'insufficient_scope'],
      ['scope', scopes.join(' ')],
    ])
    body = { error: 'insufficient_scope', error_description: 'The access token lacks a required scope' }
  } else if (kind === 'insufficient_user_authentication') {
    status = 401
    body = {
      error: 'insufficient_user_authentication',
      error_description: 'A different authentication level is required',
    }
    const acrValues = typeof error === 'string' ? undefined : error.acrValues
    const maxAge = typeof error === 'string' ? undefined : error.maxAgeSeconds
    headers['www-authenticate'] = challengeOf([
      ['error', body.error],
      ['error_description', body.error_description],
      ['acr_values', acrValues?.length ? acrValues.join(' ') : undefined],
      ['max_age', maxAge === undefined ? undefined : String(maxAge)],
    ])
  } else if (kind === 'unavailable') {
    status = 503
    const retryAfter = typeof error === 'string' ? undefined : error.retryAfterSeconds
    headers['retry-after'] = String(retryAfter ?? 1)
    body = {
      error: 'temporarily_unavailable',
      error_description:
        code === 'ERR_REPLAY_STORE_UNAVAILABLE'
          ? 'The service is temporarily unavailable'
          : 'The signing keys are temporarily unavailable',
    }
  } else if (kind === 'invalid_dpop_proof') {
    status = 401
    const description = 'The DPoP proof is invalid'
    headers['www-authenticate'] = challengeOf([
      ['error', 'invalid_dpop_proof'],
      ['error_description', description],
    ])
    body = { error: 'invalid_dpop_proof', error_description: description }
  } else if (kind === 'use_dpop_nonce') {
    status = 401
    const description = 'The DPoP proof must carry the server nonce'
    headers['www-authenticate'] = challengeOf([
      ['error', 'use_dpop_nonce'],
      ['error_description', description],
    ])
    const nonce = typeof error === 'string' ? undefined : error.dpopNonce
    if (nonce !== undefined) headers['dpop-nonce'] = nonce
    body = { error: 'use_dpop_nonce', error_description: description }
  } else {
    status = 401
    headers['www-authenticate'] = challengeOf([
      ['error', 'invalid_token'],
      ['error_description', 'The access token is invalid'],
      scope,
    ])
    body = { error: 'invalid_token', error_description: 'The access token is invalid' }
  }
  return { status, headers, body: options.method?.toUpperCase() === 'HEAD' ? null : body }
}

/** Inside a quoted-string only `"` and `\` need escaping; control characters are dropped. */
function quote(value: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: stripping them is the point
  return value.replace(/[\u0000-\u001f\u007f]/g, '').replace(/["\\]/g, '\\$&')
}

/** Converts anything thrown during authentication into a JwtAuthError (never a 500). */
export function toJwtAuthError(error: unknown): JwtAuthError {
  return error instanceof JwtAuthError ? error : new JwtAuthError('ERR_TOKEN_MALFORMED')
}
