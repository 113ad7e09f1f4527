/**
 * RFC 9110 §5.6.2 `token`: what a header field name (§5.1) and a cookie name (RFC 6265 §4.1.1)
 * may be. Anchored: a whole string matches or it does not.
 */
export const HTTP_TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/

/**
 * The credentials of `Authorization` field values (RFC 9110 §11.6.2): the tokens of those in
 * `scheme` (an anchored, case-insensitive scheme pattern), and how many credentials there were in
 * all. A token68 never holds a comma, so a comma separates credentials, whether in one field or in
 * fields the runtime joined.
 */
export function credentialsIn(
  values: readonly string[],
  scheme: RegExp,
): { tokens: string[]; credentials: number } {
  const tokens: string[] = []
  let credentials = 0
  for (const value of values) {
    for (const part of value.split(',')) {
      const credential = part.trim()
      if (credential === '') continue
      credentials += 1
      const match = scheme.exec(credential)
      if (match !== null) tokens.push(credential.slice(match[0].length).trim())
    }
  }
  return { tokens, credentials }
}
