/**
 * Remembers DPoP proof identifiers for as long as a proof could still be accepted (RFC 9449
 * §11.1), so that a captured proof cannot be sent again. Implementations: the bounded
 * in-memory `MemoryReplayStore` (one process) and, on Workers, `DurableObjectReplayStore`
 * (src/worker/stores/replay-durable-object.ts), shared by every instance of the gateway.
 */
export interface ReplayStore {
  /**
   * Records `id` until `expiresAtMs` (epoch milliseconds). Resolves `true` when `id` was new,
   * `false` when it is already held and not expired — or when the store cannot take it: a
   * replay store that forgets an unexpired entry to make room lets that proof be replayed.
   */
  remember(id: string, expiresAtMs: number): Promise<boolean>
}

/** Default capacity of `MemoryReplayStore`: 100,000 ids of ~100 bytes is about 10 MB. */
const DEFAULT_REPLAY_STORE_ENTRIES = 100_000

/**
 * A bounded in-memory replay store for one process (Node, tests, a single isolate). Entries
 * leave when they expire; when it is full of unexpired entries it refuses new ones (answered
 * as a replay) rather than forgetting one that could then be replayed.
 *
 * @example
 * const replayStore = new MemoryReplayStore({ maxEntries: 50_000 })
 */
export class MemoryReplayStore implements ReplayStore {
  /** Insertion order is close to expiry order (one window for all), so sweeping stops early. */
  readonly #entries = new Map<string, number>()
  readonly #maxEntries: number
  readonly #now: () => number

  constructor(options: { maxEntries?: number; now?: () => number } = {}) {
    const maxEntries = options.maxEntries ?? DEFAULT_REPLAY_STORE_ENTRIES
    if (!Number.isSafeInteger(maxEntries) || maxEntries < 1) {
      throw new TypeError('"maxEntries" option must be a positive integer')
    }
    this.#maxEntries = maxEntries
    this.#now = options.now ?? Date.now
  }

  get size(): number {
    return this.#entries.size
  }

  remember(id: string, expiresAtMs: number): Promise<boolean> {
    return Promise.resolve(this.rememberNow(id, expiresAtMs))
  }

  /** The synchronous form, for a Durable Object that keeps its entries in memory. */
  rememberNow(id: string, expiresAtMs: number): boolean {
    const now = this.#now()
    const held = this.#entries.get(id)
    if (held !== undefined && held > now) return false
    if (held !== undefined) this.#entries.delete(id)
    if (this.#entries.size >= this.#maxEntries) this.sweep(now)
    if (this.#entries.size >= this.#maxEntries) return false
    this.#entries.set(id, expiresAtMs)
    return true
  }

  /** Drops expired entries from the old end; stops at the first live one. */
  sweep(now = this.#now()): void {
    for (const [id, expiresAt] of this.#entries) {
      if (expiresAt > now) break
      this.#entries.delete(id)
    }
  }
}
