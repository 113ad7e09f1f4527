/**
 * How a claim travels in an identity header so that the upstream can decode it back to exactly
 * that claim: two different claims never give the same header value.
 *
 * Text is sent as it is where it is visible ASCII (spaces inside, not at either end: HTTP trims
 * those, RFC 9110 §5.5) other than `%` and `+`; every other character — `%` itself, `+`,
 * controls such as CR/LF and NUL, characters outside ASCII — is percent-encoded as UTF-8
 * (RFC 3986 §2.1). One percent-decoding gives the text back: `decodeURIComponent`, Python's
 * `unquote`, PHP's `rawurldecode`, Go's `url.PathUnescape`; the form decoders (`urldecode`,
 * `unquote_plus`, `QueryUnescape`) too, since a raw `+` never appears.
 */

/** Characters sent as they are; `%` (0x25) and `+` (0x2B) are not among them. */
const AS_IS = /^[\x20-\x24\x26-\x2a\x2c-\x7e]$/
/** The same without the space: for the elements of a space-separated list. */
const AS_IS_IN_LIST = /^[\x21-\x24\x26-\x2a\x2c-\x7e]$/
/**
 * Whole texts the encoding leaves exactly as they are: as-is characters only, and no space at
 * either end (or the empty text). Most claims (`sub`, `scope`, `iss`) are such text; testing
 * them whole spares a regular expression per character, which was ~5% of a gateway request's
 * CPU in workerd (bench/workerd/profile.mjs).
 */
const UNCHANGED =
  /^(?:[\x21-\x24\x26-\x2a\x2c-\x7e](?:[\x20-\x24\x26-\x2a\x2c-\x7e]*[\x21-\x24\x26-\x2a\x2c-\x7e])?)?$/
/** The same for the elements of a list, where no space is as-is. */
const UNCHANGED_IN_LIST = /^[\x21-\x24\x26-\x2a\x2c-\x7e]*$/

/** A UTF-16 half without its pair: no UTF-8 for it, so the text cannot be carried exactly. */
const LONE_SURROGATE = /\p{Surrogate}/u

const utf8 = new TextEncoder()

/**
 * The header value of a claim, or undefined when no header should be set:
 * - a string: its text, encoded as above (`müller` → `m%C3%BCller`, `m%C3%BCller` →
 *   `m%25C3%25BCller`, `admin\u0000` → `admin%00`);
 * - an array of non-empty strings (`groups`, `roles`, `scp`): each element encoded, its spaces
 *   too, joined with one space, like a `scope` (RFC 6749 §3.3): split on spaces, decode each;
 * - a number, boolean or object: its JSON text, encoded (`3`, `true`, `{"id":7}`);
 * - anything that cannot be written one-to-one — `null`, an array holding anything but
 *   non-empty strings, text with a lone surrogate — is left out, like a claim the token lacks.
 *
 * Within one JSON type the mapping is one-to-one; across types it is not (`"3"` and `3`, or
 * `"a b"` and `["a","b"]`, read alike): a claim's type is the issuer's to define.
 *
 * @example
 * claimHeaderValue('Jürgen Müller') // 'J%C3%BCrgen M%C3%BCller'
 * claimHeaderValue(['eng', 'on call']) // 'eng on%20call'
 */
export function claimHeaderValue(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined
  if (typeof value === 'string') return encodeText(value, AS_IS, UNCHANGED)
  if (Array.isArray(value)) return encodeList(value)
  const json = JSON.stringify(value)
  return json === undefined ? undefined : encodeText(json, AS_IS, UNCHANGED)
}

function encodeList(values: readonly unknown[]): string | undefined {
  const encoded: string[] = []
  for (const value of values) {
    if (typeof value !== 'string' || value === '') return undefined
    const element = encodeText(value, AS_IS_IN_LIST, UNCHANGED_IN_LIST)
    if (element === undefined) return undefined
    encoded.push(element)
  }
  return encoded.join(' ')
}

function encodeText(text: string, asIs: RegExp, unchanged: RegExp): string | undefined {
  if (unchanged.test(text)) return text
  if (LONE_SURROGATE.test(text)) return undefined
  let out = ''
  for (const char of text) out += asIs.test(char) ? char : percentEncode(char)
  // A field value's leading and trailing spaces are not part of it (RFC 9110 §5.5).
  return out.replace(/^ +| +$/g, (spaces) => '%20'.repeat(spaces.length))
}

function percentEncode(char: string): string {
  let out = ''
  for (const byte of utf8.encode(char)) out += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`
  return out
}
