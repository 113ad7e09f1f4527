/**
 * How the gateway reads header names: which ones belong to the hop, which ones a claim may never
 * set, and when two spellings are one name to the upstream.
 */

/** RFC 9110 §7.6.1 hop-by-hop fields, plus the legacy ones proxies still see. */
export const HOP_BY_HOP_HEADERS: ReadonlySet<string> = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
])

/**
 * A header name as CGI-style servers see it: CGI (RFC 3875 §4.1.18) and everything built on
 * it — PHP, Python's WSGI, Ruby's Rack, FastCGI, nginx with `underscores_in_headers on` — turn
 * both `X-Auth-Subject` and `X_Auth_Subject` into `HTTP_X_AUTH_SUBJECT`. Lower case, `_` read
 * as `-`.
 */
export function foldHeaderName(name: string): string {
  return name.toLowerCase().replaceAll('_', '-')
}

/**
 * Folded names a claim may never set (`CLAIM_HEADERS`), beyond the hop-by-hop set: the fields
 * whose meaning the upstream, a cache or a proxy on the way reads for itself.
 */
const RESERVED_NAMES: ReadonlySet<string> = new Set([
  ...HOP_BY_HOP_HEADERS,
  'http2-settings',
  // credentials and cookies
  'authorization',
  'cookie',
  'cookie2',
  'set-cookie',
  'set-cookie2',
  'dpop',
  'www-authenticate',
  // message framing
  'expect',
  // routing and the client's address, as proxies report them
  'host',
  'forwarded',
  'via',
  'max-forwards',
  'x-real-ip',
  'x-client-ip',
  'client-ip',
  'true-client-ip',
  'x-cluster-client-ip',
  'x-forwarded',
  'x-host',
  'x-original-host',
  'x-original-url',
  'x-original-uri',
  'x-rewrite-url',
  'x-http-method-override',
  'x-http-method',
  'x-method-override',
  'x-original-method',
  // caching
  'cache-control',
  'pragma',
  'expires',
  'age',
  'etag',
  'last-modified',
  'vary',
  'range',
  // where the request comes from (CSRF defences read these)
  'origin',
  'referer',
])

/**
 * Folded prefixes a claim may never set: framing (`content-*`), proxies' own (`proxy-*`),
 * forwarding (`x-forwarded-*`), conditional requests (`if-*`), Cloudflare's (`cf-*`), what a
 * browser alone may set (`sec-*`, the Fetch standard's forbidden request-header names) and CORS
 * request fields (`access-control-*`).
 */
const RESERVED_PREFIXES: readonly string[] = [
  'content-',
  'proxy-',
  'x-forwarded-',
  'if-',
  'cf-',
  'sec-',
  'access-control-',
]

/** Whether a claim may not be forwarded in header `name` (compared folded, like the upstream would). */
export function isReservedHeader(name: string): boolean {
  const folded = foldHeaderName(name)
  return RESERVED_NAMES.has(folded) || RESERVED_PREFIXES.some((prefix) => folded.startsWith(prefix))
}
