/**
 * Path normalisation (security docs/SECURITY.md row 45, CVE-2019-9901): the gateway decides "public or
 * protected" on the path as the upstream will route it, and forwards exactly that path, so the
 * two can never disagree. Envoy's answer to the CVE, done here: decode only what is safe to
 * decode, refuse what different servers read differently, then resolve what remains.
 */

/** RFC 3986 §2.3 unreserved characters: decoding them never changes what a path means. */
const UNRESERVED = /^[A-Za-z0-9\-._~]$/
/** `%2F` and `%5C`: a slash to one server and a plain character to another. */
const ENCODED_SEPARATORS = new Set(['2F', '5C'])

/** Why a path is refused (400): each is read differently by different upstreams. */
export type PathRejection = 'bad-escape' | 'encoded-separator' | 'encoded-control'

export type NormalizedPath = { ok: true; path: string } | { ok: false; reason: PathRejection }

/**
 * Normalises a URL path (as `URL.pathname` gives it) the way RFC 3986 §6 and the common
 * upstreams agree on:
 *
 * 1. percent-escapes of unreserved characters are decoded (`%61` is `a`, `%2e` is `.`); other
 *    escapes are kept with upper-case hex; `%2F`/`%5C` (encoded `/` and `\`), encoded control
 *    characters and malformed escapes are refused;
 * 2. a literal `\` is a `/` (what the WHATWG parser and IIS do);
 * 3. `;` path parameters are dropped from every segment (`/admin;x` is `/admin`, and
 *    `/public/..;/admin` is `/admin`, as Tomcat and Spring route them);
 * 4. empty segments are collapsed (`//admin` is `/admin`);
 * 5. `.` and `..` segments are resolved, never above the root.
 *
 * A trailing slash is kept: `/a/` and `/a` may be different resources upstream.
 *
 * @example
 * normalizePath('/public/..;/admin') // { ok: true, path: '/admin' }
 * normalizePath('/public/..%2fadmin') // { ok: false, reason: 'encoded-separator' }
 */
export function normalizePath(rawPath: string): NormalizedPath {
  const decoded = decodeSafeEscapes(rawPath.replaceAll('\\', '/'))
  if (!decoded.ok) return decoded
  const segments = decoded.path.split('/')
  const output: string[] = []
  let trailingSlash = false
  for (const [index, raw] of segments.entries()) {
    if (index === 0 && raw === '') continue
    const segment = raw.split(';', 1)[0] ?? ''
    const last = index === segments.length - 1
    if (segment === '' || segment === '.') {
      trailingSlash = last
      continue
    }
    if (segment === '..') {
      output.pop()
      trailingSlash = last
      continue
    }
    output.push(segment)
    trailingSlash = false
  }
  const path = `/${output.join('/')}`
  return { ok: true, path: trailingSlash && output.length > 0 ? `${path}/` : path }
}

function decodeSafeEscapes(path: string): NormalizedPath {
  let out = ''
  for (let i = 0; i < path.length; i++) {
    const char = path[i]
    if (char !== '%') {
      out += char
      continue
    }
    const hex = path.slice(i + 1, i + 3).toUpperCase()
    if (!/^[0-9A-F]{2}$/.test(hex)) return { ok: false, reason: 'bad-escape' }
    const code = Number.parseInt(hex, 16)
    if (ENCODED_SEPARATORS.has(hex)) return { ok: false, reason: 'encoded-separator' }
    if (code < 0x20 || code === 0x7f) return { ok: false, reason: 'encoded-control' }
    const decoded = String.fromCharCode(code)
    out += UNRESERVED.test(decoded) ? decoded : `%${hex}`
    i += 2
  }
  return { ok: true, path: out }
}

/**
 * Whether `path` (normalised) falls under one of the public prefixes (normalised, without a
 * trailing slash), on segment boundaries: `/public` covers `/public` and `/public/x`, never
 * `/publicity`.
 */
export function isPublicPath(path: string, prefixes: readonly string[]): boolean {
  return prefixes.some((prefix) => path === prefix || path.startsWith(`${prefix}/`))
}
