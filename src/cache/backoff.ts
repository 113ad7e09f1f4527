import { BACKOFF_INITIAL_MS, BACKOFF_MAX_MS } from './limits.js'

/**
 * When a failing source may be asked again: 1 s after the first failure, doubling up to 5 min,
 * or the issuer's `Retry-After` when longer, never past the same 5 min ceiling (a CDN's
 * `Retry-After: 10000000` must not keep us away for months). A success starts over. The state is
 * what `/healthz` reports.
 */
export class Backoff {
  #failures = 0
  #nextAttemptAt = 0

  /** Records a failure at `now`; returns the wait before the next attempt. */
  failed(now: number, retryAfterMs = 0): number {
    this.#failures += 1
    const exponential = BACKOFF_INITIAL_MS * 2 ** Math.min(this.#failures - 1, 30)
    const waitMs = Math.min(BACKOFF_MAX_MS, Math.max(exponential, retryAfterMs))
    this.#nextAttemptAt = now + waitMs
    return waitMs
  }

  /** A usable answer (from the issuer or another instance): the source is healthy again. */
  succeeded(): void {
    this.#failures = 0
    this.#nextAttemptAt = 0
  }

  allows(now: number): boolean {
    return now >= this.#nextAttemptAt
  }

  retryInMs(now: number): number {
    return Math.max(0, this.#nextAttemptAt - now)
  }
}
