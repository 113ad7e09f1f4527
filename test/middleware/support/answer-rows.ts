import type { Algorithm } from '../../../src/jwk/algorithms.js'
import type { Tokens } from './tokens.js'

/**
 * docs/middleware.md#http-answers, row by row, as data: Hono (workerd and Node) and Express (a real server) run the
 * same table, so the three cannot drift apart.
 */

export const REALM = 'api'

export const CHALLENGE = {
  missing: `Bearer realm="${REALM}"`,
  invalidRequest: `Bearer realm="${REALM}", error="invalid_request"`,
  invalidToken: `Bearer realm="${REALM}", error="invalid_token", error_description="The access token is invalid"`,
  insufficientScope: (scope: string) =>
    `Bearer realm="${REALM}", error="insufficient_scope", scope="${scope}"`,
} as const

export const BODY = {
  missing: { error: 'unauthorized', error_description: 'A bearer token is required' },
  invalidRequest: {
    error: 'invalid_request',
    error_description: 'The bearer token is empty or sent more than once',
  },
  invalidToken: { error: 'invalid_token', error_description: 'The access token is invalid' },
  insufficientScope: {
    error: 'insufficient_scope',
    error_description: 'The access token lacks a required scope',
  },
  unavailable: {
    error: 'temporarily_unavailable',
    error_description: 'The signing keys are temporarily unavailable',
  },
} as const

/** The middleware options a row may set, on top of issuer, audience and the test `fetch`. */
export interface RowOptions {
  query?: boolean
  cookie?: string
  typ?: string
  algorithms?: readonly Algorithm[]
  requiredScopes?: readonly string[]
}

/** Both test apps serve these: a plain protected route, and one behind `requireScopes('admin')`. */
export const PATHS = { items: '/api/items', admin: '/api/admin' } as const

export interface AnswerRow {
  /** The §5 situation; the test name. */
  name: string
  options?: RowOptions
  path?: string
  /** `[name, value]` pairs, appended in order: a name may repeat. */
  headers: (tokens: Tokens) => [string, string][]
  /** Query string, with its `?`. */
  query?: (tokens: Tokens) => string
  /** Warm the key cache with this token first (it must pass); cold when absent. */
  warmWith?: keyof Tokens
  /** The issuer's JWKS endpoint is down from the start. */
  outage?: true
  status: 400 | 401 | 403 | 503
  challenge: string | null
  body: { error: string; error_description: string }
  /** Discovery and JWKS requests caused by the row's request itself (after any warm-up). */
  fetches: { discovery: number; jwks: number }
}

const NONE = { discovery: 0, jwks: 0 }
const bearer = (token: string): [string, string] => ['authorization', `Bearer ${token}`]

const invalidToken = {
  status: 401,
  challenge: CHALLENGE.invalidToken,
  body: BODY.invalidToken,
  fetches: NONE,
} as const
const invalidRequest = {
  status: 400,
  challenge: CHALLENGE.invalidRequest,
  body: BODY.invalidRequest,
  fetches: NONE,
} as const
const missing = { status: 401, challenge: CHALLENGE.missing, body: BODY.missing, fetches: NONE } as const

export const ANSWER_ROWS: readonly AnswerRow[] = [
  // 401, no error attribute
  { name: 'no credentials', headers: () => [], ...missing },
  { name: 'another scheme (Basic)', headers: () => [['authorization', 'Basic dXNlcjpwYXNz']], ...missing },
  {
    name: '"Bearer" glued to the token is not the Bearer scheme',
    headers: () => [['authorization', 'Bearerabc']],
    ...missing,
  },
  {
    name: 'access_token in the query while the query source is off',
    query: (t) => `?access_token=${t.valid}`,
    headers: () => [],
    ...missing,
  },
  // 400 invalid_request
  { name: 'empty bearer token', headers: () => [['authorization', 'Bearer ']], ...invalidRequest },
  { name: 'bearer scheme without a token', headers: () => [['authorization', 'Bearer']], ...invalidRequest },
  {
    name: 'two Authorization headers',
    headers: (t) => [bearer(t.valid), bearer(t.valid)],
    ...invalidRequest,
  },
  {
    name: 'a bearer credential beside a Basic one',
    headers: (t) => [['authorization', `Basic dXNlcjpwYXNz, Bearer ${t.valid}`]],
    ...invalidRequest,
  },
  {
    name: 'token in the header and the query',
    options: { query: true },
    headers: (t) => [bearer(t.valid)],
    query: (t) => `?access_token=${t.valid}`,
    ...invalidRequest,
  },
  {
    name: 'token in the header and the query, query source off',
    headers: (t) => [bearer(t.valid)],
    query: (t) => `?access_token=${t.valid}`,
    ...invalidRequest,
  },
  {
    name: 'token in the header and the cookie',
    options: { cookie: 'session' },
    headers: (t) => [bearer(t.valid), ['cookie', `theme=dark; session=${t.valid}`]],
    ...invalidRequest,
  },
  {
    name: 'token twice in the query',
    options: { query: true },
    headers: () => [],
    query: (t) => `?access_token=${t.valid}&access_token=${t.valid}`,
    ...invalidRequest,
  },
  {
    name: 'empty access_token',
    options: { query: true },
    headers: () => [],
    query: () => '?access_token=',
    ...invalidRequest,
  },
  // 401 invalid_token, cold cache: rejected before any key is needed
  { name: 'malformed token', headers: () => [bearer('not-a-jwt')], ...invalidToken },
  { name: 'token over 16 KiB', headers: (t) => [bearer(t.oversized)], ...invalidToken },
  { name: 'alg none', headers: (t) => [bearer(t.algNone)], ...invalidToken },
  {
    name: 'disallowed alg (ES256 when only RS256 is allowed)',
    options: { algorithms: ['RS256'] },
    headers: (t) => [bearer(t.es256)],
    ...invalidToken,
  },
  // 401 invalid_token, warm cache: the keys are there, the token is wrong
  { name: 'bad signature', warmWith: 'valid', headers: (t) => [bearer(t.badSignature)], ...invalidToken },
  { name: 'expired', warmWith: 'valid', headers: (t) => [bearer(t.expired)], ...invalidToken },
  { name: 'wrong issuer', warmWith: 'valid', headers: (t) => [bearer(t.wrongIssuer)], ...invalidToken },
  { name: 'wrong audience', warmWith: 'valid', headers: (t) => [bearer(t.wrongAudience)], ...invalidToken },
  {
    name: 'wrong typ',
    options: { typ: 'at+jwt' },
    warmWith: 'atJwt',
    headers: (t) => [bearer(t.valid)],
    ...invalidToken,
  },
  {
    name: 'unknown kid (one refetch)',
    warmWith: 'valid',
    headers: (t) => [bearer(t.unknownKid)],
    ...invalidToken,
    fetches: { discovery: 0, jwks: 1 },
  },
  // 403 insufficient_scope
  {
    name: 'missing scope (scope string)',
    path: PATHS.admin,
    warmWith: 'valid',
    headers: (t) => [bearer(t.valid)],
    status: 403,
    challenge: CHALLENGE.insufficientScope('admin'),
    body: BODY.insufficientScope,
    fetches: NONE,
  },
  {
    name: 'missing scope (scp array)',
    path: PATHS.admin,
    warmWith: 'valid',
    headers: (t) => [bearer(t.scpRead)],
    status: 403,
    challenge: CHALLENGE.insufficientScope('admin'),
    body: BODY.insufficientScope,
    fetches: NONE,
  },
  {
    name: 'missing scope required by the middleware options',
    options: { requiredScopes: ['write'] },
    headers: (t) => [bearer(t.valid)],
    status: 403,
    challenge: CHALLENGE.insufficientScope('write'),
    body: BODY.insufficientScope,
    // Cold: scopes are checked once the signature holds, so the keys are needed first.
    fetches: { discovery: 1, jwks: 1 },
  },
  // 503
  {
    name: 'keys unavailable (issuer down, nothing cached)',
    outage: true,
    headers: (t) => [bearer(t.valid)],
    status: 503,
    challenge: null,
    body: BODY.unavailable,
    fetches: { discovery: 1, jwks: 1 },
  },
]
