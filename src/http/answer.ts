import { INVALID_TOKEN_CODES, JwtAuthError, type JwtAuthErrorCode } from '../errors.js'

/** The wire form of a failed authentication (SPEC §5), framework-neutral. */
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
}

export const DEFAULT_REALM = 'api'

type AnswerKind = 'missing' | 'invalid_request' | 'invalid_token' | 'insufficient_scope' | 'unavailable'

/** Exhaustive by type: a new code does not compile until it has an answer. */
const KIND: Record<JwtAuthErrorCode, AnswerKind> = {
  ...(Object.fromEntries(INVALID_TOKEN_CODES.map((code) => [code, 'invalid_token'])) as Record<
    (typeof INVALID_TOKEN_CODES)[number],
    'invalid_token'
  >),
  ERR_TOKEN_MISSING: 'missing',
  ERR_REQUEST_INVALID: 'invalid_request',
  ERR_INSUFFICIENT_SCOPE: 'insufficient_scope',
  ERR_JWKS_UNAVAILABLE: 'unavailable',
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
  const realm = `Bearer realm="${quote(options.realm ?? DEFAULT_REALM)}"`
  const headers: Record<string, string> = { 'content-type': 'application/json', 'cache-control': 'no-store' }
  let status: HttpAnswer['status']
  let body: { error: string; error_description: string }
  const kind = KIND[code]
  if (kind === 'missing') {
    status = 401
    headers['www-authenticate'] = realm
    body = { error: 'unauthorized', error_description: 'A bearer token is required' }
  } else if (kind === 'invalid_request') {
    status = 400
    headers['www-authenticate'] = `${realm}, error="invalid_request"`
    body = { error: 'invalid_request', error_description: 'The bearer token is empty or sent more than once' }
  } else if (kind === 'insufficient_scope') {
    status = 403
    const scopes = typeof error === 'string' ? [] : (error.requiredScopes ?? [])
    headers['www-authenticate'] = `${realm}, error="insufficient_scope", scope="${quote(scopes.join(' '))}"`
    body = { error: 'insufficient_scope', error_description: 'The access token lacks a required scope' }
  } else if (kind === 'unavailable') {
    status = 503
    const retryAfter = typeof error === 'string' ? undefined : error.retryAfterSeconds
    headers['retry-after'] = String(retryAfter ?? 1)
    body = {
      error: 'temporarily_unavailable',
      error_description: 'The signing keys are temporarily unavailable',
    }
  } else {
    status = 401
    headers['www-authenticate'] =
      `${realm}, error="invalid_token", error_description="The access token is invalid"`
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
