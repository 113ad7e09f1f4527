import { JwtAuthError } from '../errors.js'
import { credentialsIn } from '../http/grammar.js'

/**
 * The parts of a request a bearer token can travel in, as raw strings, so that Hono, Express
 * and the gateway read them the same way.
 */
export interface TokenCarriers {
  /**
   * Every `Authorization` field value as received. Fetch-API `Headers` join repeated fields
   * into one value (`Bearer a, Bearer b`); Node keeps them apart in `rawHeaders`. Both shapes
   * are read as a list of credentials.
   */
  authorization: readonly string[]
  /** Every `Cookie` field value (HTTP/2 may split cookies over several fields). */
  cookie: readonly string[]
  /** The raw query string, with or without its leading `?`. */
  query: string
  /** Every value of the header named by {@link TokenSources.header}; read only when one is. */
  header?: readonly string[]
}

/** Where a token is accepted besides `Authorization: Bearer`. */
export interface TokenSources {
  /** Name of a cookie that may carry the token; undefined: cookies are not read. */
  cookie: string | undefined
  /** Whether `?access_token=` (RFC 6750 §2.3) is accepted. */
  query: boolean
  /**
   * Lower-case name of a header whose whole value is the token, without a scheme (Cloudflare
   * Access `cf-access-jwt-assertion`, `x-forwarded-access-token`); undefined: none.
   */
  header?: string | undefined
}

/** RFC 6750 §2.3 names the query parameter; it is standard, so it is recognised even when not accepted. */
const ACCESS_TOKEN_PARAMETER = 'access_token'

/** The `Bearer` auth-scheme, case-insensitive (RFC 9110 §11.1), then whitespace or the end. */
const BEARER_SCHEME = /^bearer(?=[ \t]|$)/i

/**
 * Finds the one bearer token of a request, or undefined when it carries none (no credentials,
 * or only another scheme such as `Basic`). Pure and total: it only throws `JwtAuthError`
 * `ERR_REQUEST_INVALID`, for an empty bearer token or a token sent more than once (two
 * `Authorization` credentials, header plus query, cookie or token header), which RFC 6750 §2
 * and §3.1 call
 * a malformed request. Nothing is decoded or verified here.
 *
 * An `access_token` query parameter counts as a second token even when the query source is
 * off: a request that uses two methods is malformed whatever we accept, and a handler that
 * reads the parameter itself must never see a token other than the verified one. So does any
 * spelling a framework's query parser turns into `access_token` (`access_token[]`, ...).
 *
 * @example
 * const token = extractToken(
 *   { authorization: ['Bearer eyJ...'], cookie: [], query: '' },
 *   { cookie: undefined, query: false },
 * ) // 'eyJ...'
 */
export function extractToken(carriers: TokenCarriers, sources: TokenSources): string | undefined {
  const found: string[] = []
  const fromHeader = credentialsIn(carriers.authorization, BEARER_SCHEME)
  found.push(...fromHeader.tokens)
  // Most requests have no query, and parsing even an empty one (URLSearchParams, getAll, keys)
  // was ~4% of a gateway request's CPU in workerd (bench/workerd/profile.mjs).
  const parameters = hasQuery(carriers.query) ? new URLSearchParams(carriers.query) : undefined
  const queryValues = parameters?.getAll(ACCESS_TOKEN_PARAMETER) ?? []
  const fromQuery = sources.query ? queryValues : []
  found.push(...fromQuery)
  if (sources.cookie !== undefined) found.push(...cookieValues(carriers.cookie, sources.cookie))
  // A compact JWS never holds a comma: fetch-API `Headers` join a repeated field with `, `.
  if (sources.header !== undefined) {
    for (const value of carriers.header ?? []) found.push(...value.split(',').map((part) => part.trim()))
  }

  const lookAlikes = parameters === undefined ? 0 : [...parameters.keys()].filter(readsAsAccessToken).length
  const methods = found.length + (sources.query ? 0 : queryValues.length) + lookAlikes
  if (found.length > 0 && methods > 1) invalid()
  // A bearer credential next to another one (`Basic x, Bearer y`) is two credentials too.
  if (fromHeader.tokens.length > 0 && fromHeader.credentials > 1) invalid()
  const [token] = found
  if (token === undefined) return undefined
  if (token === '') invalid()
  return token
}

/** Whether a URL's `search` part (`?…`, or empty) holds anything to parse. */
function hasQuery(search: string): boolean {
  return search !== '' && search !== '?'
}

/**
 * Whether a query parameter other than `access_token` itself is one that a framework's query
 * parser hands to the application as `access_token`: `qs` (Express's `extended` parser) and
 * Rack read `access_token[]`, `access_token[0]`, `access_token[a]` as it, `qs` with `allowDots`
 * `access_token.a`; PHP also turns `.` and spaces into `_` (`access.token`); ASP.NET compares
 * names case-insensitively. Only ever a second token, never a token itself.
 */
function readsAsAccessToken(name: string): boolean {
  if (name === ACCESS_TOKEN_PARAMETER) return false
  let base = name.toLowerCase().trimStart()
  const open = base.indexOf('[')
  if (open !== -1 && base.indexOf(']', open) !== -1) base = base.slice(0, open)
  return (
    base === ACCESS_TOKEN_PARAMETER ||
    base.replace(/[. ]/g, '_') === ACCESS_TOKEN_PARAMETER ||
    base.split('.')[0] === ACCESS_TOKEN_PARAMETER
  )
}

function invalid(): never {
  throw new JwtAuthError('ERR_REQUEST_INVALID')
}

/**
 * Values of every cookie named `name` (RFC 6265 §4.2.1 `name=value; name2=value2`). A comma
 * is split on too: no cookie-octet is a comma, and fetch-API `Headers` join repeated `Cookie`
 * fields with `, `. Two
 * cookies of that name (set for different paths or domains, or tossed by a sibling
 * subdomain) are two tokens. An empty value counts as no cookie: that is how many apps
 * "clear" one, and it should not turn a logged-out visitor's request into a 400.
 */
function cookieValues(headers: readonly string[], name: string): string[] {
  const values: string[] = []
  for (const header of headers) {
    for (const pair of header.split(/[;,]/)) {
      const eq = pair.indexOf('=')
      if (eq === -1 || pair.slice(0, eq).trim() !== name) continue
      let value = pair.slice(eq + 1).trim()
      if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1)
      if (value !== '') values.push(value)
    }
  }
  return values
}
