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

  /** Whether admitting an entry of `size` would evict another: the doorkeeper's cue. */
  isFull(size: number): boolean {
    return this.#entries.size >= this.#maxEntries || this.#bytes + size > this.#maxBytes
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

type Sha256 = (token: string) => string

interface NodeCrypto {
  hash?: (algorithm: string, data: string, encoding: 'latin1') => string
  createHash?: (algorithm: string) => { update(data: string): { digest(encoding: 'latin1'): string } }
}

/**
 * Node's WebCrypto digest runs on the libuv thread pool and costs 20-50 µs per call, more than
 * the rest of a cache hit together. `node:crypto`'s one-shot `hash()` (Node ≥ 21.7, and workerd
 * with nodejs_compat) is synchronous and skips the Hash object `createHash` builds: ~35% less in
 * Node, and in workerd no stream machinery (bench/results/NOTES.md). Found through
 * `process.getBuiltinModule` (Node ≥ 22.3, Bun, Deno, workerd with nodejs_compat) so nothing is
 * imported; without it, the pure Web path.
 */
const syncSha256: Sha256 | undefined = (() => {
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process
  if (typeof proc?.getBuiltinModule !== 'function') return undefined
  try {
    const nodeCrypto = proc.getBuiltinModule('node:crypto') as NodeCrypto | undefined
    const { hash, createHash } = nodeCrypto ?? {}
    if (typeof hash === 'function') return (token: string) => hash('sha256', token, 'latin1')
    if (typeof createHash !== 'function') return undefined
    return (token: string) => createHash('sha256').update(token).digest('latin1')
  } catch {
    return undefined
  }
})()

/** The cache key of a token: its SHA-256 as a 32-character binary string (cheap to hash). */
export function tokenDigest(token: string): string | Promise<string> {
  if (syncSha256 !== undefined) return syncSha256(token)
  return crypto.subtle
    .digest('SHA-256', encoder.encode(token))
    .then((digest) => String.fromCharCode(...new Uint8Array(digest)))
}
