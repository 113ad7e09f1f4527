import { JwtAuthError } from '../errors.js'
import { boundedFetchJson } from './bounded-fetch.js'
import { freshnessMs } from './cache-control.js'
import { discoverJwksUri } from './discovery.js'
import type { RefreshReason } from './events.js'
import { FetchFailure } from './fetch-failure.js'
import type { KeySourceHealth, KeySourceOptions, WaitUntil } from './key-source-options.js'
import { BACKOFF_INITIAL_MS, BACKOFF_MAX_MS, DISCOVERY_MAX_AGE_MS, REFRESH_AHEAD_RATIO } from './limits.js'
import { type ParsedJwks, parseJwks } from './parse-jwks.js'
import { type KeySnapshot, readSharedSnapshot, writeSharedSnapshot } from './shared-store.js'

export type { KeySourceHealth, KeySourceOptions, WaitUntil } from './key-source-options.js'
export type { KeySnapshot } from './shared-store.js'

/**
 * One issuer's remote key set: discovery, fetch, freshness, outage and unknown-kid policy of
 * SPEC §4. Callers read `usable()` on the hot path (synchronous, no I/O) and `load()` or
 * `refetchForUnknownKid()` only when that gives nothing useful.
 */
export class RemoteKeySource {
  readonly #o: KeySourceOptions
  readonly #storeKey: string
  readonly #parse: (body: unknown) => ParsedJwks
  #snapshot: KeySnapshot | undefined
  #discovered: { url: string; at: number } | undefined
  #inflight: { promise: Promise<KeySnapshot>; startedAt: number } | undefined
  #failures = 0
  #nextAttemptAt = 0
  #lastFetch: KeySourceHealth['lastFetch']
  #cooldownUntil = 0
  #kidRefetch: Promise<KeySnapshot | undefined> | undefined

  constructor(options: KeySourceOptions) {
    this.#o = options
    this.#storeKey = options.storeKey ?? `jwks-gateway/v1 ${options.issuer} ${options.jwksUri ?? 'discovery'}`
    this.#parse = options.parse ?? ((body) => parseJwks(body, options.maxKeys))
  }

  get issuer(): string {
    return this.#o.issuer
  }

  /**
   * The keys to verify with right now, if any, without waiting. Past 80% of the set's lifetime
   * this starts one background refresh; past expiry it serves the last good set (up to
   * `maxStaleMs`) while the refresh runs or the issuer is down.
   */
  usable(waitUntil?: WaitUntil): KeySnapshot | undefined {
    const snapshot = this.#snapshot
    if (snapshot === undefined) return undefined
    const age = this.#o.now() - snapshot.fetchedAt
    if (age < snapshot.maxAgeMs * REFRESH_AHEAD_RATIO) return snapshot
    if (age >= snapshot.maxAgeMs + this.#o.maxStaleMs) return undefined
    if (age >= snapshot.maxAgeMs) {
      this.#o.onEvent({ type: 'stale_served', issuer: this.#o.issuer, staleForMs: age - snapshot.maxAgeMs })
    }
    this.#refreshInBackground(age < snapshot.maxAgeMs ? 'ahead' : 'expired', waitUntil)
    return snapshot
  }

  /** Keys, waiting for a fetch if none are usable. Throws ERR_JWKS_UNAVAILABLE. */
  async load(waitUntil?: WaitUntil): Promise<KeySnapshot> {
    return this.usable(waitUntil) ?? (await this.#shared('cold', waitUntil))
  }

  /**
   * An unknown kid may mean the issuer rotated: refetch once, then reject further unknown kids
   * without a fetch for `cooldownMs` (the negative cache). Requests that arrive while that one
   * refetch runs wait for it, so every first sight of a rotated-in kid is accepted. Resolves
   * to the new snapshot, or undefined when no refetch was allowed.
   */
  async refetchForUnknownKid(waitUntil?: WaitUntil): Promise<KeySnapshot | undefined> {
    if (this.#kidRefetch !== undefined) return this.#kidRefetch
    const now = this.#o.now()
    if (now < this.#cooldownUntil || now < this.#nextAttemptAt) return undefined
    this.#cooldownUntil = now + this.#o.cooldownMs
    const refetch = this.#shared('kid_miss', waitUntil).then(
      (snapshot) => snapshot,
      () => undefined,
    )
    this.#kidRefetch = refetch
    try {
      return await refetch
    } finally {
      this.#kidRefetch = undefined
    }
  }

  health(): KeySourceHealth {
    const now = this.#o.now()
    const snapshot = this.#snapshot
    return {
      issuer: this.#o.issuer,
      keys: snapshot?.keys.length ?? 0,
      ageMs: snapshot === undefined ? undefined : now - snapshot.fetchedAt,
      stale: snapshot === undefined || now - snapshot.fetchedAt >= snapshot.maxAgeMs,
      lastFetch: this.#lastFetch,
      retryInMs: Math.max(0, this.#nextAttemptAt - now),
    }
  }

  #refreshInBackground(reason: RefreshReason, waitUntil: WaitUntil | undefined): void {
    if (this.#inflight !== undefined || this.#o.now() < this.#nextAttemptAt) return
    const refresh = this.#shared(reason, waitUntil).catch(() => undefined)
    waitUntil?.(refresh)
  }

  /**
   * Coalesces concurrent needs into one refresh. A joiner waits at most the refresh's own
   * budget: on Workers a promise started by another request can stay pending forever once that
   * request is gone (panva/jose#355), so a joiner that outlives it fetches for itself.
   */
  #shared(reason: RefreshReason, waitUntil: WaitUntil | undefined): Promise<KeySnapshot> {
    const now = this.#o.now()
    const budget = this.#budgetMs()
    const inflight = this.#inflight
    if (inflight !== undefined && now - inflight.startedAt < budget) {
      return this.#join(inflight.promise, budget - (now - inflight.startedAt), reason, waitUntil)
    }
    if (now < this.#nextAttemptAt) return Promise.reject(this.#unavailable(now))
    const promise = this.#refresh(reason, waitUntil)
    const entry = { promise, startedAt: now }
    this.#inflight = entry
    const clear = () => {
      if (this.#inflight === entry) this.#inflight = undefined
    }
    promise.then(clear, clear)
    return promise
  }

  async #join(
    shared: Promise<KeySnapshot>,
    waitMs: number,
    reason: RefreshReason,
    waitUntil: WaitUntil | undefined,
  ): Promise<KeySnapshot> {
    let timer: ReturnType<typeof setTimeout> | undefined
    const abandoned = Symbol('abandoned')
    const gaveUp = new Promise<typeof abandoned>((resolve) => {
      timer = setTimeout(() => resolve(abandoned), waitMs)
    })
    try {
      const winner = await Promise.race([shared, gaveUp])
      if (winner !== abandoned) return winner
    } finally {
      clearTimeout(timer)
    }
    return this.#refresh(reason, waitUntil)
  }

  async #refresh(reason: RefreshReason, waitUntil: WaitUntil | undefined): Promise<KeySnapshot> {
    this.#o.onEvent({ type: 'refresh', issuer: this.#o.issuer, reason })
    const fromStore = await this.#adoptFromStore(reason)
    if (fromStore !== undefined) return fromStore
    let url = this.#o.jwksUri ?? this.#discovered?.url ?? ''
    try {
      url = await this.#jwksUrl()
      return this.#succeed(await this.#fetchKeys(url), waitUntil)
    } catch (error) {
      throw this.#fail(url, error)
    }
  }

  /** Another isolate may have fetched already: a newer stored set saves a trip to the issuer. */
  async #adoptFromStore(reason: RefreshReason): Promise<KeySnapshot | undefined> {
    const snapshot = await readSharedSnapshot(this.#o.store, this.#storeKey, this.#o.timeoutMs, this.#parse)
    if (
      snapshot === undefined ||
      snapshot.fetchedAt <= (this.#snapshot?.fetchedAt ?? Number.NEGATIVE_INFINITY)
    ) {
      return undefined
    }
    const age = this.#o.now() - snapshot.fetchedAt
    if (age >= snapshot.maxAgeMs + this.#o.maxStaleMs) return undefined
    this.#snapshot = snapshot
    this.#o.onEvent({ type: 'store_hit', issuer: this.#o.issuer })
    // A stale stored set is kept as last-known-good, but the issuer is still asked.
    const freshEnough = reason === 'kid_miss' || age < snapshot.maxAgeMs * REFRESH_AHEAD_RATIO
    return freshEnough ? snapshot : undefined
  }

  async #jwksUrl(): Promise<string> {
    if (this.#o.jwksUri !== undefined) return this.#checked(this.#o.jwksUri)
    const now = this.#o.now()
    if (this.#discovered !== undefined && now - this.#discovered.at < DISCOVERY_MAX_AGE_MS) {
      return this.#checked(this.#discovered.url)
    }
    const url = await discoverJwksUri(this.#checked(this.#o.issuer), this.#fetchOptions())
    this.#discovered = { url, at: now }
    return this.#checked(url)
  }

  #checked(url: string): string {
    if (this.#o.refuseUrl?.(url) === true) throw new FetchFailure('source is this server itself')
    return url
  }

  async #fetchKeys(url: string): Promise<{ snapshot: KeySnapshot; status: 200 | 304 }> {
    const previous = this.#snapshot?.url === url ? this.#snapshot : undefined
    const result = await boundedFetchJson(url, {
      ...this.#fetchOptions(),
      ...(previous?.etag === undefined ? {} : { etag: previous.etag }),
    })
    const fetchedAt = this.#o.now()
    const maxAgeMs = freshnessMs(result.headers.get('cache-control'))
    if (result.status === 304 && previous !== undefined) {
      return { snapshot: { ...previous, fetchedAt, maxAgeMs }, status: 304 }
    }
    if (result.status === 304) throw new FetchFailure('unexpected status 304')
    const parsed = this.#parse(result.body)
    for (const { kid, reason } of parsed.ignored) {
      this.#o.onEvent({ type: 'key_ignored', issuer: this.#o.issuer, kid: kid?.slice(0, 64), reason })
    }
    const etag = result.headers.get('etag') ?? undefined
    return { snapshot: { keys: parsed.keys, url, fetchedAt, maxAgeMs, etag }, status: 200 }
  }

  #succeed(
    { snapshot, status }: { snapshot: KeySnapshot; status: 200 | 304 },
    waitUntil: WaitUntil | undefined,
  ): KeySnapshot {
    this.#snapshot = snapshot
    this.#failures = 0
    this.#nextAttemptAt = 0
    this.#lastFetch = { ok: true, at: snapshot.fetchedAt }
    this.#o.onEvent({
      type: 'fetch_ok',
      issuer: this.#o.issuer,
      url: snapshot.url,
      status,
      keys: snapshot.keys.length,
      maxAgeSeconds: snapshot.maxAgeMs / 1000,
    })
    // Sharing is best effort: a store outage must not fail a good fetch, and the write must not
    // delay the answer. On Workers it only survives the response through waitUntil.
    const write = writeSharedSnapshot(this.#o.store, this.#storeKey, snapshot, this.#o.maxStaleMs)
    waitUntil?.(write)
    return snapshot
  }

  #fail(url: string, error: unknown): JwtAuthError {
    const now = this.#o.now()
    const reason = error instanceof FetchFailure ? error.message : 'internal error'
    this.#failures += 1
    const backoff = Math.min(BACKOFF_INITIAL_MS * 2 ** (this.#failures - 1), BACKOFF_MAX_MS)
    const retryAfter = error instanceof FetchFailure ? (error.retryAfterMs ?? 0) : 0
    this.#nextAttemptAt = now + Math.max(backoff, retryAfter)
    this.#lastFetch = { ok: false, at: now, reason }
    // A moved or removed jwks_uri is found again by discovery on the next attempt; a 429 says
    // nothing about the URL, only about how soon to come back.
    if (/^unexpected status 4(?!29)/.test(reason)) this.#discovered = undefined
    this.#o.onEvent({
      type: 'fetch_failed',
      issuer: this.#o.issuer,
      url,
      reason,
      retryInMs: this.#nextAttemptAt - now,
    })
    return this.#unavailable(now)
  }

  #unavailable(now: number): JwtAuthError {
    return new JwtAuthError('ERR_JWKS_UNAVAILABLE', {
      retryAfterSeconds: Math.max(1, Math.ceil((this.#nextAttemptAt - now) / 1000)),
    })
  }

  #budgetMs(): number {
    // One deadline each for the store, discovery (when needed) and the JWKS itself.
    const discovering = this.#o.jwksUri === undefined && this.#discovered === undefined
    return this.#o.timeoutMs * (discovering ? 3 : 2) + 50
  }

  #fetchOptions() {
    return {
      fetch: this.#o.fetch,
      now: this.#o.now,
      timeoutMs: this.#o.timeoutMs,
      maxBodyBytes: this.#o.maxBodyBytes,
    }
  }
}
