import { DEFAULT_MAX_AGE_MS, MAX_MAX_AGE_MS, MIN_MAX_AGE_MS } from './limits.js'

/**
 * Freshness lifetime of a response from its Cache-Control, clamped to [30 s, 24 h] (docs/verifier.md#how-keys-are-fetched-and-cached).
 * `no-cache`/`no-store`/`max-age=0` mean "ask again soon", which the clamp turns into 30 s
 * rather than a fetch per request.
 */
export function freshnessMs(cacheControl: string | null): number {
  if (cacheControl === null) return DEFAULT_MAX_AGE_MS
  const directives = cacheControl.toLowerCase()
  if (/(?:^|[,\s])(?:no-cache|no-store)(?:$|[,\s=])/.test(directives)) return MIN_MAX_AGE_MS
  const match = /(?:^|[,\s])max-age\s*=\s*"?(\d{1,10})"?/.exec(directives)
  if (match?.[1] === undefined) return DEFAULT_MAX_AGE_MS
  return clampMaxAgeMs(Number(match[1]) * 1000)
}

/** The freshness a key set may claim, wherever it comes from (a response, the shared store). */
export function clampMaxAgeMs(ms: number): number {
  return Math.min(MAX_MAX_AGE_MS, Math.max(MIN_MAX_AGE_MS, ms))
}

/** Retry-After as milliseconds from `now`: delta-seconds or an HTTP date (RFC 9110 §10.2.3). */
export function retryAfterMs(value: string | null, now: number): number | undefined {
  if (value === null) return undefined
  const trimmed = value.trim()
  if (/^\d{1,10}$/.test(trimmed)) return Number(trimmed) * 1000
  const date = Date.parse(trimmed)
  return Number.isNaN(date) ? undefined : Math.max(0, date - now)
}
