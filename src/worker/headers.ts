import type { JWTPayload } from 'jose'
import type { ClaimHeader } from './config/schema.js'
import { HOP_BY_HOP_HEADERS } from './hop-by-hop.js'

/**
 * A copy of `source` without hop-by-hop fields: the fixed set, every `proxy-*`, and every field
 * the `Connection` header names (RFC 9110 §7.6.1), which only meant something on the hop that
 * sent them.
 */
export function withoutHopByHop(source: Headers): Headers {
  const named = new Set(
    (source.get('connection') ?? '')
      .split(',')
      .map((name) => name.trim().toLowerCase())
      .filter((name) => name !== ''),
  )
  const headers = new Headers()
  source.forEach((value, name) => {
    if (HOP_BY_HOP_HEADERS.has(name) || name.startsWith('proxy-') || named.has(name)) return
    headers.append(name, value)
  })
  return headers
}

/** Removes every header an identity claim may be forwarded in, whatever the client sent (catalogue row 44). */
export function stripClaimHeaders(headers: Headers, names: readonly string[]): void {
  for (const name of names) headers.delete(name)
}

/** Sets the identity headers from verified claims; a claim the token lacks sets nothing. */
export function setClaimHeaders(
  headers: Headers,
  claimHeaders: readonly ClaimHeader[],
  payload: JWTPayload,
): void {
  for (const { claim, header } of claimHeaders) {
    const value = claimHeaderValue(payload[claim])
    if (value !== undefined) headers.set(header, value)
  }
}

/**
 * A claim as one header value: strings as they are, arrays joined with spaces (like `scope`),
 * anything else as JSON. Control characters (CR/LF above all: header injection) are removed,
 * and characters outside ASCII are percent-encoded as UTF-8, because a header value is bytes
 * and a runtime would otherwise refuse or mangle them.
 */
export function claimHeaderValue(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined
  const text = Array.isArray(value) ? value.map(asText).join(' ') : asText(value)
  return (
    text
      // biome-ignore lint/suspicious/noControlCharactersInRegex: removing them is the point
      .replace(/[\u0000-\u001f\u007f]/g, '')
      .replace(/[^\u0020-\u007e]+/g, percentEncodeUtf8)
      .trim()
  )
}

/** Never throws, unlike `encodeURIComponent` on a lone surrogate (TextEncoder makes it U+FFFD). */
function percentEncodeUtf8(run: string): string {
  let out = ''
  for (const byte of new TextEncoder().encode(run))
    out += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`
  return out
}

function asText(value: unknown): string {
  return typeof value === 'string' ? value : (JSON.stringify(value) ?? '')
}
