/**
 * A fetched key set as shared between isolates or instances. `keys` holds only public members
 * already validated by the fetcher; a store never sees private or symmetric keys.
 */
export interface StoredKeySet {
  /** The JWKS URL the keys came from. */
  url: string
  keys: readonly Record<string, unknown>[]
  /** Epoch ms of the fetch (or of the last 304 revalidation). */
  fetchedAt: number
  /** Freshness lifetime from Cache-Control, clamped. */
  maxAgeMs: number
  etag?: string
}

/**
 * Where fetched key sets are shared. The verifier keeps its own copy in memory and consults
 * the store before fetching, so an implementation may be slow or eventually consistent
 * (Workers Cache API per colo, KV network-wide). `ttlSeconds` is how long the entry is worth
 * keeping (freshness plus the stale window); a store may keep it shorter.
 */
export interface KeySetStore {
  get(key: string): Promise<StoredKeySet | undefined>
  put(key: string, value: StoredKeySet, ttlSeconds: number): Promise<void>
}

/** The default: a process-local map. Useful to share one fetch between several verifiers. */
export class MemoryKeySetStore implements KeySetStore {
  readonly #entries = new Map<string, { value: StoredKeySet; expiresAt: number }>()
  readonly #now: () => number

  constructor(now: () => number = Date.now) {
    this.#now = now
  }

  async get(key: string): Promise<StoredKeySet | undefined> {
    const entry = this.#entries.get(key)
    if (entry === undefined) return undefined
    if (entry.expiresAt <= this.#now()) {
      this.#entries.delete(key)
      return undefined
    }
    return entry.value
  }

  async put(key: string, value: StoredKeySet, ttlSeconds: number): Promise<void> {
    this.#entries.set(key, { value, expiresAt: this.#now() + ttlSeconds * 1000 })
  }
}
