import type { PublicJwk } from '../jwk/public-jwk.js'
import { clampMaxAgeMs } from './cache-control.js'
import type { ParsedJwks } from './parse-jwks.js'

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

/** Clocks of instances differ a little; a fetch time further ahead than this is no fetch time. */
const MAX_CLOCK_SKEW_MS = 60_000

/** An issuer's key set at one moment; replaced whole, never mutated. */
export interface KeySnapshot {
  readonly keys: readonly PublicJwk[]
  readonly url: string
  readonly fetchedAt: number
  readonly maxAgeMs: number
  readonly etag: string | undefined
}

/**
 * A snapshot another instance shared, or undefined. The store is I/O too (KV, Cache API): it
 * gets the fetch deadline, and a slow or broken store only costs the shortcut. What it holds
 * obeys the rules of a fetched set: its keys are parsed again, its freshness is clamped like a
 * `Cache-Control: max-age`, and its fetch time may not lie ahead (beyond the clock skew between
 * instances, then it counts as now): no entry can make itself fresh for longer than a fetch could.
 */
export async function readSharedSnapshot(
  store: KeySetStore,
  key: string,
  options: { timeoutMs: number; now: number; parse: (body: unknown) => ParsedJwks | Promise<ParsedJwks> },
): Promise<KeySnapshot | undefined> {
  try {
    const stored = await withDeadline(store.get(key), options.timeoutMs)
    if (
      stored === undefined ||
      !Number.isFinite(stored.fetchedAt) ||
      !Number.isFinite(stored.maxAgeMs) ||
      stored.fetchedAt > options.now + MAX_CLOCK_SKEW_MS
    ) {
      return undefined
    }
    const { keys } = await options.parse({ keys: stored.keys })
    return {
      keys,
      url: stored.url,
      fetchedAt: Math.min(stored.fetchedAt, options.now),
      maxAgeMs: clampMaxAgeMs(stored.maxAgeMs),
      etag: stored.etag,
    }
  } catch {
    return undefined
  }
}

/** Shares a snapshot for its lifetime plus the stale window; never rejects. */
export function writeSharedSnapshot(
  store: KeySetStore,
  key: string,
  snapshot: KeySnapshot,
  maxStaleMs: number,
): Promise<void> {
  const stored: StoredKeySet = {
    url: snapshot.url,
    keys: snapshot.keys as unknown as Record<string, unknown>[],
    fetchedAt: snapshot.fetchedAt,
    maxAgeMs: snapshot.maxAgeMs,
    ...(snapshot.etag === undefined ? {} : { etag: snapshot.etag }),
  }
  const ttlSeconds = Math.ceil((snapshot.maxAgeMs + maxStaleMs) / 1000)
  return store.put(key, stored, ttlSeconds).catch(() => undefined)
}

function withDeadline<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: ReturnType<typeof setTimeout> | undefined
  const timeout = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), ms)
  })
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer))
}
