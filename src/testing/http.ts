/** Small Fetch-API response helpers shared by the issuer's endpoints. */

const encoder = new TextEncoder()

/** A strong ETag: the quoted base64url SHA-256 of the body, so equal bodies share a tag. */
async function strongEtag(body: Uint8Array<ArrayBuffer>): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', body))
  const base64 = btoa(String.fromCharCode(...digest))
  return `"${base64.replaceAll('+', '-').replaceAll('/', '_').replace(/=+$/, '')}"`
}

/** `If-None-Match` uses the weak comparison (RFC 9110 §13.1.2): a `W/` prefix does not matter. */
function matchesIfNoneMatch(header: string | null, etag: string): boolean {
  if (header === null) return false
  if (header.trim() === '*') return true
  return header.split(',').some((tag) => tag.trim().replace(/^W\//, '') === etag)
}

/**
 * A cacheable document (JWKS or discovery): ETag, optional Cache-Control, 304 on a matching
 * `If-None-Match`, no body for HEAD, and an exact Content-Length so clients may cap early.
 */
export async function documentResponse(
  request: Request,
  body: string,
  contentType: string,
  cacheControl: string | undefined,
): Promise<Response> {
  const bytes = encoder.encode(body)
  const etag = await strongEtag(bytes)
  const headers = new Headers({ etag })
  if (cacheControl !== undefined) headers.set('cache-control', cacheControl)
  if (matchesIfNoneMatch(request.headers.get('if-none-match'), etag))
    return new Response(null, { status: 304, headers })
  headers.set('content-type', contentType)
  headers.set('content-length', String(bytes.byteLength))
  return new Response(request.method === 'HEAD' ? null : bytes, { status: 200, headers })
}

/** A JSON answer that must not be cached (admin routes, errors). */
export function jsonResponse(value: unknown, status = 200): Response {
  return new Response(JSON.stringify(value), {
    status,
    headers: { 'content-type': 'application/json', 'cache-control': 'no-store' },
  })
}

/** 404 in the style of an OAuth error body. */
export function notFound(): Response {
  return jsonResponse({ error: 'not_found' }, 404)
}

/** 405 for a known path reached with the wrong method. */
export function methodNotAllowed(allow: string): Response {
  return new Response(null, { status: 405, headers: { allow } })
}
