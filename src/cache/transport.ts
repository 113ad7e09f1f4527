/**
 * docs/verifier.md#how-keys-are-fetched-and-cached transport rule: `https:` only, `http:` only for loopback hosts, so a misconfigured or
 * discovered `http://` URL can never carry keys an on-path attacker chose.
 */
export function isFetchableUrl(value: string): boolean {
  let url: URL
  try {
    url = new URL(value)
  } catch {
    return false
  }
  if (url.username !== '' || url.password !== '') return false
  if (url.protocol === 'https:') return true
  return url.protocol === 'http:' && isLoopbackHost(url.hostname)
}

/** `localhost`, `[::1]` or `127.x.x.x`: a URL hostname (lower case, IPv6 in brackets) naming this machine. */
export function isLoopbackHost(hostname: string): boolean {
  if (hostname === 'localhost' || hostname === '[::1]') return true
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(hostname)
}

/**
 * A URL fit for a message or an event: origin and path only. User info, query and fragment may
 * hold a credential, and no message carries one (docs/SECURITY.md, "What we promise").
 */
export function urlWithoutSecrets(value: string): string {
  const parsed = URL.parse(value)
  return parsed === null ? '(an invalid URL)' : `${parsed.origin}${parsed.pathname}`
}
