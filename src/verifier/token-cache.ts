/**
 * A bounded LRU of verified tokens, keyed by the SHA-256 of the exact token so that the cache
 * never holds a token itself. Bounded by entries and by the summed token length (payloads are
 * kept decoded, and a Worker has 128 MB in all).
 */
export class VerifiedTokenCache<E extends { readonly size: number }> {
  readonly #entries = new Map<string, E>()
  readonly #maxEntries: number
  readonly #maxBytes: number
  #bytes = 0

  constructor(maxEntries: number, maxBytes: number) {
    this.#maxEntries = maxEntries
    this.#maxBytes = maxBytes
  }

  get size(): number {
    return this.#entries.size
  }

  get(key: string): E | undefined {
    const entry = this.#entries.get(key)
    if (entry !== undefined) {
      // Re-inserting moves it to the young end of the Map's insertion order.
      this.#entries.delete(key)
      this.#entries.set(key, entry)
    }
    return entry
  }

  set(key: string, entry: E): void {
    if (this.#maxEntries === 0 || entry.size > this.#maxBytes) return
    this.delete(key)
    this.#entries.set(key, entry)
    this.#bytes += entry.size
    while (this.#entries.size > this.#maxEntries || this.#bytes > this.#maxBytes) {
      const oldest = this.#entries.keys().next().value
      if (oldest === undefined) break
      this.delete(oldest)
    }
  }

  delete(key: string): void {
    const entry = this.#entries.get(key)
    if (entry === undefined) return
    this.#entries.delete(key)
    this.#bytes -= entry.size
  }
}

const encoder = new TextEncoder()

/** The cache key of a token: its SHA-256 as a 32-character binary string (cheap to hash). */
export async function tokenDigest(token: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', encoder.encode(token)))
  return String.fromCharCode(...digest)
}
