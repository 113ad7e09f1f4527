import type { KeySetStore, StoredKeySet } from '../../cache/store.js'

/**
 * A store whose writes can be waited for. The verifier shares a fresh key set with a `put` it
 * does not await (sharing is best effort and must not slow the request down), but on Workers
 * I/O still running when a request's answer is sent is cancelled unless it is passed to
 * `ctx.waitUntil`. The gateway hands {@link TrackedStore.settled} to `waitUntil` after each
 * request, so the write that lets the next isolate skip the issuer actually lands.
 */
export class TrackedStore implements KeySetStore {
  readonly #inner: KeySetStore
  readonly #pending = new Set<Promise<void>>()

  constructor(inner: KeySetStore) {
    this.#inner = inner
  }

  get(key: string): Promise<StoredKeySet | undefined> {
    return this.#inner.get(key)
  }

  put(key: string, value: StoredKeySet, ttlSeconds: number): Promise<void> {
    const write = this.#inner.put(key, value, ttlSeconds)
    const tracked = write.then(
      () => undefined,
      () => undefined,
    )
    this.#pending.add(tracked)
    void tracked.then(() => this.#pending.delete(tracked))
    return write
  }

  /** Whether a write is in flight. */
  get busy(): boolean {
    return this.#pending.size > 0
  }

  /** Settles when the writes in flight now have finished (never rejects). */
  settled(): Promise<void> {
    return Promise.all([...this.#pending]).then(() => undefined)
  }
}
