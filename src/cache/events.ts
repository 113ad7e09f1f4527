/** What the key cache reports through `onEvent` (never a key, a body or a token). */
export type CacheEvent =
  | { type: 'fetch_ok'; issuer: string; url: string; status: 200 | 304; keys: number; maxAgeSeconds: number }
  | {
      type: 'fetch_failed'
      issuer: string
      url: string
      reason: string
      retryInMs: number
      /** The HTTP status, when the failure was an answer other than 200/304. */
      status?: number
    }
  | { type: 'key_ignored'; issuer: string; kid: string | undefined; reason: string }
  | { type: 'refresh'; issuer: string; reason: RefreshReason }
  | { type: 'store_hit'; issuer: string }
  /** Once each time the set in use turns stale (its max-age passed), not on every request. */
  | { type: 'stale_served'; issuer: string; staleForMs: number }

export type RefreshReason = 'cold' | 'ahead' | 'expired' | 'kid_miss'

/** Longest kid an event carries (kids are attacker-chosen; real ones are far shorter). */
export const EVENT_KID_LENGTH = 64
/** Longest URL an event carries. */
export const EVENT_URL_LENGTH = 1024
// biome-ignore lint/suspicious/noControlCharactersInRegex: escaping them is the point
const UNSAFE_IN_LOGS = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g

/**
 * Text that someone else chose (an issuer's kid or `jwks_uri`, a token's kid), made safe for a
 * log line: truncated, and every control, line-separator and bidi character written as `\uXXXX`,
 * so that no event can forge a line or hide its end.
 */
export function eventText(value: string, maxLength: number): string
export function eventText(value: string | undefined, maxLength: number): string | undefined
export function eventText(value: string | undefined, maxLength: number): string | undefined {
  return value
    ?.slice(0, maxLength)
    .replace(UNSAFE_IN_LOGS, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)
}

/**
 * A user's event observer that cannot hurt what it observes: a throw is swallowed, so a bug in
 * logging never fails a verification or breaks an endpoint.
 */
export function guardedObserver<E>(observer: ((event: E) => void) | undefined): (event: E) => void {
  return (event) => {
    try {
      observer?.(event)
    } catch {
      // The observer's bug is its own; the event was only a report.
    }
  }
}
