import { boundedFetchJson } from '../cache/bounded-fetch.js'
import { freshnessMs } from '../cache/cache-control.js'
import { discoverJwksUri } from '../cache/discovery.js'
import { FetchFailure } from '../cache/fetch-failure.js'
import { BACKOFF_INITIAL_MS, BACKOFF_MAX_MS, DISCOVERY_MAX_AGE_MS } from '../cache/limits.js'
import type { KeySetStore, StoredKeySet } from '../cache/store.js'
import { jwksDocumentSchema, type PublicJwk } from '../jwk/public-jwk.js'
import { type JwksDropReason, type JwksFilterRules, partitionJwks } from './filter.js'

/** A source of the published set: a JWKS URL, or an issuer whose `jwks_uri` is discovered. */
export type PublicJwksSource = string | { issuer: string; jwksUri?: string }

/** What the publisher reports: never a key, a body or a token. */
export type PublicJwksEvent =
  | { type: 'source_failed'; source: string; reason: string; retryInMs: number }
  | { type: 'key_dropped'; source: string; kid: string | undefined; reason: JwksDropReason }

/** One source's published keys at one moment. */
export interface SourceKeys {
  readonly keys: readonly PublicJwk[]
  readonly fetchedAt: number
  readonly maxAgeMs: number
}

/** Everything a source needs, shared by all sources of one handler. */
export interface SourceContext {
  fetch: typeof fetch
  now: () => number
  store: KeySetStore | undefined
  timeoutMs: number
  maxBodyBytes: number
  maxKeys: number
  maxStaleMs: number
  rules: JwksFilterRules
  onEvent: (event: PublicJwksEvent) => void
}

interface Snapshot extends SourceKeys {
  url: string
  etag: string | undefined
}

/**
 * One source of the published set, with the same policy as the verifier's key cache (SPEC §4):
 * fetched under the bounded-fetch limits, fresh per its `Cache-Control`, revalidated with ETag,
 * kept as last-known-good (up to `maxStaleMs` past expiry) when a refresh fails, with backoff
 * between failed attempts, concurrent needs coalesced, and shared through an optional store.
 */
export class PublicSource {
  readonly label: string
  readonly #spec: PublicJwksSource
  readonly #c: SourceContext
  readonly #storeKey: string
  #snapshot: Snapshot | undefined
  #discovered: { url: string; at: number } | undefined
  #inflight: { promise: Promise<void>; startedAt: number } | undefined
  #failures = 0
  #nextAttemptAt = 0

  constructor(spec: PublicJwksSource, context: SourceContext) {
    this.#spec = spec
    this.#c = context
    this.label = typeof spec === 'string' ? spec : spec.issuer
    this.#storeKey = `jwks-gateway/public/v1 ${typeof spec === 'string' ? spec : `${spec.issuer} ${spec.jwksUri ?? 'discovery'}`}`
  }

  /**
   * The keys to publish now: fresh ones, else a refresh is awaited (unless backing off), else
   * the last good ones while they are within the stale window. Undefined: nothing to publish.
   * `ownOrigin` is never fetched: the publisher must not ask itself for its own keys.
   */
  async current(ownOrigin: string): Promise<SourceKeys | undefined> {
    const now = this.#c.now()
    const snapshot = this.#snapshot
    if (snapshot !== undefined && now - snapshot.fetchedAt < snapshot.maxAgeMs) return snapshot
    if (now >= this.#nextAttemptAt) await this.#shared(ownOrigin)
    return this.#lastGood()
  }

  /** Milliseconds until this source may be fetched again after a failure (0: now). */
  retryInMs(): number {
    return Math.max(0, this.#nextAttemptAt - this.#c.now())
  }

  #lastGood(): Snapshot | undefined {
    const snapshot = this.#snapshot
    if (snapshot === undefined) return undefined
    const age = this.#c.now() - snapshot.fetchedAt
    return age < snapshot.maxAgeMs + this.#c.maxStaleMs ? snapshot : undefined
  }

  /**
   * Coalesces concurrent refreshes. A joiner waits at most the refresh's own budget, then
   * refreshes itself: on Workers a promise owned by a finished request may never settle.
   */
  async #shared(ownOrigin: string): Promise<void> {
    const now = this.#c.now()
    const budget = this.#c.timeoutMs * 3 + 50
    const inflight = this.#inflight
    if (inflight !== undefined && now - inflight.startedAt < budget) {
      if (await settlesWithin(inflight.promise, budget - (now - inflight.startedAt))) return
    }
    const promise = this.#refresh(ownOrigin)
    const entry = { promise, startedAt: now }
    this.#inflight = entry
    await promise
    if (this.#inflight === entry) this.#inflight = undefined
  }

  async #refresh(ownOrigin: string): Promise<void> {
    if (await this.#adoptFromStore()) return
    try {
      const url = await this.#jwksUrl(ownOrigin)
      if (new URL(url).origin === ownOrigin) throw new FetchFailure('source is this server itself')
      const previous = this.#snapshot?.url === url ? this.#snapshot : undefined
      const result = await boundedFetchJson(url, {
        fetch: this.#c.fetch,
        now: this.#c.now,
        timeoutMs: this.#c.timeoutMs,
        maxBodyBytes: this.#c.maxBodyBytes,
        ...(previous?.etag === undefined ? {} : { etag: previous.etag }),
      })
      const fetchedAt = this.#c.now()
      const maxAgeMs = freshnessMs(result.headers.get('cache-control'))
      if (result.status === 304 && previous !== undefined) {
        this.#succeed({ ...previous, fetchedAt, maxAgeMs })
        return
      }
      if (result.status !== 200) throw new FetchFailure('unexpected status 304')
      const keys = this.#publishable(result.body)
      this.#succeed({ keys, url, fetchedAt, maxAgeMs, etag: result.headers.get('etag') ?? undefined })
    } catch (error) {
      this.#fail(error)
    }
  }

  /** A bad set is a failed fetch (last good kept), never "publish nothing" (SPEC §4 "bad JWKS"). */
  #publishable(body: unknown): PublicJwk[] {
    const document = jwksDocumentSchema.safeParse(body)
    if (!document.success) throw new FetchFailure('body is not a JWK Set')
    if (document.data.keys.length === 0) throw new FetchFailure('JWK Set is empty')
    if (document.data.keys.length > this.#c.maxKeys)
      throw new FetchFailure(`more than ${this.#c.maxKeys} keys`)
    const { keys, dropped } = partitionJwks(document.data, this.#c.rules)
    for (const { kid, reason } of dropped) {
      this.#c.onEvent({ type: 'key_dropped', source: this.label, kid: kid?.slice(0, 64), reason })
    }
    return keys
  }

  async #jwksUrl(ownOrigin: string): Promise<string> {
    const spec = this.#spec
    if (typeof spec === 'string') return spec
    if (spec.jwksUri !== undefined) return spec.jwksUri
    const now = this.#c.now()
    if (this.#discovered !== undefined && now - this.#discovered.at < DISCOVERY_MAX_AGE_MS) {
      return this.#discovered.url
    }
    if (new URL(spec.issuer).origin === ownOrigin) throw new FetchFailure('source is this server itself')
    const url = await discoverJwksUri(spec.issuer, {
      fetch: this.#c.fetch,
      now: this.#c.now,
      timeoutMs: this.#c.timeoutMs,
      maxBodyBytes: this.#c.maxBodyBytes,
    })
    this.#discovered = { url, at: now }
    return url
  }

  /** Another isolate may have fetched already; a stored set is re-filtered, never trusted as is. */
  async #adoptFromStore(): Promise<boolean> {
    let stored: StoredKeySet | undefined
    try {
      stored = await withDeadline(this.#c.store?.get(this.#storeKey), this.#c.timeoutMs)
    } catch {
      return false
    }
    if (stored === undefined || (this.#snapshot?.fetchedAt ?? -1) >= stored.fetchedAt) return false
    const { keys } = partitionJwks({ keys: stored.keys }, this.#c.rules)
    this.#snapshot = {
      keys,
      url: stored.url,
      fetchedAt: stored.fetchedAt,
      maxAgeMs: stored.maxAgeMs,
      etag: stored.etag,
    }
    return this.#c.now() - stored.fetchedAt < stored.maxAgeMs
  }

  #succeed(snapshot: Snapshot): void {
    this.#snapshot = snapshot
    this.#failures = 0
    this.#nextAttemptAt = 0
    const stored: StoredKeySet = {
      url: snapshot.url,
      keys: snapshot.keys as unknown as Record<string, unknown>[],
      fetchedAt: snapshot.fetchedAt,
      maxAgeMs: snapshot.maxAgeMs,
      ...(snapshot.etag === undefined ? {} : { etag: snapshot.etag }),
    }
    const ttlSeconds = Math.ceil((snapshot.maxAgeMs + this.#c.maxStaleMs) / 1000)
    // Sharing is best effort: a store outage must not fail a good fetch.
    this.#c.store?.put(this.#storeKey, stored, ttlSeconds).catch(() => undefined)
  }

  #fail(error: unknown): void {
    const now = this.#c.now()
    this.#failures += 1
    const backoff = Math.min(BACKOFF_INITIAL_MS * 2 ** (this.#failures - 1), BACKOFF_MAX_MS)
    const retryAfter = error instanceof FetchFailure ? (error.retryAfterMs ?? 0) : 0
    this.#nextAttemptAt = now + Math.max(backoff, retryAfter)
    if (error instanceof FetchFailure && /^unexpected status 4/.test(error.message))
      this.#discovered = undefined
    this.#c.onEvent({
      type: 'source_failed',
      source: this.label,
      reason: error instanceof FetchFailure ? error.message : 'internal error',
      retryInMs: this.#nextAttemptAt - now,
    })
  }
}

async function settlesWithin(promise: Promise<void>, ms: number): Promise<boolean> {
  return (
    (await withDeadline(
      promise.then(() => true),
      ms,
    )) === true
  )
}

function withDeadline<T>(promise: Promise<T> | undefined, ms: number): Promise<T | undefined> {
  if (promise === undefined) return Promise.resolve(undefined)
  let timer: ReturnType<typeof setTimeout> | undefined
  const timeout = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), ms)
  })
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer))
}
