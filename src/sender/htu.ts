/** RFC 3986 §2.3 unreserved characters: their percent-encoded forms are decoded (§6.2.2.2). */
const UNRESERVED = /^[A-Za-z0-9\-._~]$/

/**
 * The form of a URI two parties compare as `htu` (RFC 9449 §4.3 check 9): no query, no
 * fragment, normalised per RFC 3986 §6.2.2 and §6.2.3. The WHATWG URL parser already lowers
 * the scheme and host, drops a default port, resolves dot segments and turns an empty path
 * into `/`; what it leaves alone is the case of percent-encodings and encoded unreserved
 * characters, done here. Returns undefined for something that is no absolute http(s) URL.
 *
 * @example
 * normalizeHtu('HTTPS://API.Example.com:443/a/./b%7e?x=1#f') // 'https://api.example.com/a/b~'
 */
export function normalizeHtu(uri: string): string | undefined {
  let url: URL
  try {
    url = new URL(uri)
  } catch {
    return undefined
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return undefined
  if (url.username !== '' || url.password !== '') return undefined
  const path = url.pathname.replace(/%([0-9A-Fa-f]{2})/g, (_, hex: string) => {
    const char = String.fromCharCode(Number.parseInt(hex, 16))
    return UNRESERVED.test(char) ? char : `%${hex.toUpperCase()}`
  })
  return `${url.protocol}//${url.host}${path}`
}

/** The trusted `X-Forwarded-*` values a proxy in front of us set, when the operator names them. */
export interface ForwardedFacts {
  proto: string | undefined
  host: string | undefined
}

/**
 * The URL a proof must name, from the URL this server really received. `X-Forwarded-Proto`
 * and `X-Forwarded-Host` replace its scheme and authority only when the operator declared the
 * proxy that sets them trusted: otherwise any client could name another host in the header and
 * replay there a proof made for it (the `htu` bypass fixed in express-oauth2-jwt-bearer).
 */
export function receivedHtu(url: string, forwarded: ForwardedFacts | undefined): string | undefined {
  if (forwarded === undefined) return normalizeHtu(url)
  let received: URL
  try {
    received = new URL(url)
  } catch {
    return undefined
  }
  const proto = nearestValue(forwarded.proto)
  const host = nearestValue(forwarded.host)
  if (proto !== undefined && !/^https?$/i.test(proto)) return undefined
  if (host !== undefined && !HOST.test(host)) return undefined
  const scheme = proto === undefined ? received.protocol : `${proto.toLowerCase()}:`
  const authority = host ?? received.host
  return normalizeHtu(`${scheme}//${authority}${received.pathname}`)
}

/** A host with an optional port: no path, userinfo or anything else smuggled in. */
const HOST = /^(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(?::[0-9]{1,5})?$/

/**
 * The value the nearest proxy (the trusted one) added: the last of a comma-joined list. The
 * earlier ones came from further away, possibly from the client itself.
 */
function nearestValue(value: string | undefined): string | undefined {
  const last = value?.split(',').at(-1)?.trim()
  return last === undefined || last === '' ? undefined : last
}
