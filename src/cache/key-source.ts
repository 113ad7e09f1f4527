import { JwtAuthError } from '../errors.js'
import { Backoff } from './backoff.js'
import { type BodyFormat, boundedFetch } from './bounded-fetch.js'
import { freshnessMs } from './cache-control.js'
import { discoverJwksUri } from './discovery.js'
import {
  type CacheEvent,
  EVENT_KID_LENGTH,
  EVENT_URL_LENGTH,
  eventText,
  type RefreshReason,
} from './events.js'
import { FetchFailure, isNotThere } from './fetch-failure.js'
import {
  type KeySetStore,
  type KeySnapshot,
  readSharedSnapshot,
  writeSharedSnapshot,
} from './key-set-store.js'
import { DISCOVERY_MAX_AGE_MS, type KeyCacheLimits, REFRESH_AHEAD_RATIO } from './limits.js'
import { type ParsedJwks, parseJwks } from './parse-jwks.js'
import { ABANDONED, type Flight, SingleFlight } from './single-flight.js'

/** How one remote source is fetched and kept: the shared key-cache limits plus its own wiring. */
export interface KeySourceOptions extends KeyCacheLimits {
  issuer: string
  /** Skips discovery when set. */
  jwksUri: string | undefined
  /** The discovery document to read instead of the issuer's well-known ones (Entra `common`). */
  discoveryUrl?: string | undefined
  fetch: typeof fetch
  now: () => number
  store: KeySetStore
  cooldownMs: number
  onEvent: (event: CacheEvent) => void
  /** What the key URL serves: JSON (default) or text, handed to `parse` as a string. */
  body?: BodyFormat
  /** Turns a fetched (or stored) body into keys, or throws FetchFailure. Default: {@link parseJwks}. */
  parse?: (body: unknown) => ParsedJwks | Promise<ParsedJwks>
  /** Where the set is shared in the store. Default: derived from issuer and jwksUri. */
  storeKey?: string
}

/**
 * Keeps work alive after the answer (Workers `ctx.waitUntil`), so a refresh that other requests
 * wait on does not die with the request that started it.
 */
export type WaitUntil = (promise: Promise<unknown>) => void

/**
 * How an unknown-kid refetch ended:
 * - `found`: a set that holds the kid (from the issuer, or from the shared store)
 * - `absent`: the issuer was asked and has no such key; the cooldown is now armed
 * - `cooldown`: no refetch, the issuer was asked less than `cooldownMs` ago
 * - `backoff`: no refetch, the issuer is failing and its next attempt is not due
 * - `failed`: the refetch failed (or never completed); the backoff, not the cooldown, governs
 */
export type KidRefetch =
  | { outcome: 'found'; snapshot: KeySnapshot }
  | { outcome: 'absent' | 'cooldown' | 'backoff' | 'failed' }

/** What `/healthz` shows of a source: no keys, no URLs with secrets, no bodies. */
export interface KeySourceHealth {
  issuer: string
  keys: number
  ageMs: number | undefined
  stale: boolean
  lastFetch: { ok: boolean; at: number; reason?: string } | undefined
  retryInMs: number
}

/** Steps of a refresh, each bounded by `timeoutMs`: the shared store, the JWKS... */
const STORE_STEPS = 1
const JWKS_STEPS = 1
/** ...and, without a known `jwks_uri`, discovery: the OIDC document, then RFC 8414's. */
const DISCOVERY_STEPS = 2
/** The work between the steps (parsing, handing the store write over) on a busy isolate. */
const REFRESH_SLACK_MS = 100
/**
 * A waiter follows at most this many refreshes: the one it found or started and, when that one
 * was abandoned (or, for an unknown kid, did not ask the issuer for it), one more. Then it answers.
 */
const MAX_REFRESHES_PER_WAITER = 2

/** The deadline of a refresh, from every step it may take. Fixed when the refresh starts. */
export function refreshBudgetMs(timeoutMs: number, path: { discovery: boolean }): number {
  const steps = STORE_STEPS + (path.discovery ? DISCOVERY_STEPS : 0) + JWKS_STEPS
  return timeoutMs * steps + REFRESH_SLACK_MS
}

/** How a refresh ended, for those who waited on it; the keys themselves are in the source. */
type RefreshResult = { ok: true; from: 'issuer' | 'store' } | { ok: false }
/** What a refresh is for; `unknownKid` is set as soon as a request with an unknown kid waits on it. */
interface RefreshMeta {
  readonly reason: RefreshReason
  unknownKid: boolean
}
type Refresh = Flight<RefreshResult, RefreshMeta>

/** Whether a set is what the caller needs: any set, or (unknown kid) one that holds the kid. */
type Wants = (snapshot: KeySnapshot) => boolean
const ANY_SET: Wants = () => true

/**
 * One issuer's remote key set: discovery, fetch, freshness, outage and unknown-kid policy.
 * Callers read `usable()` on the hot path (synchronous, no I/O) and `load()` or
 * `refetchForUnknownKid()` only when that gives nothing useful. Invariants:
 *
 * 1. At most one refresh runs. Its deadline is fixed when it starts, from every step it may
 *    take (store read, discovery's two tries, JWKS), and `SingleFlight.live` is the only test of
 *    whether it still runs, on every path: join, refresh-ahead, stale refresh, unknown kid.
 * 2. Every refresh is handed to `waitUntil` when it starts. A waiter waits until the deadline at
 *    most, then re-enters the single flight: all who gave up together share one new refresh.
 * 3. The issuer is asked only when the `Backoff` allows (1 s doubling to 5 min; `Retry-After`
 *    honoured up to the same 5 min); a usable set, from the issuer or the store, resets it.
 * 4. A late result of an older refresh never replaces the set of a newer one (ordering guard).
 * 5. Only a refresh that an unknown kid waited on, once the issuer answered it, arms the cooldown
 *    (in the refresh itself, so a cancelled request cannot skip it); a refresh that failed arms
 *    the backoff instead, one that never completed arms nothing.
 * 6. A stored set obeys the rules of a fetched one (keys parsed, freshness clamped); for an
 *    unknown kid it is enough only if it holds that kid, else the issuer is asked.
 * 7. A held set, fetched or adopted from the store, answers until `maxStaleMs` past its expiry,
 *    whatever failed after it.
 */
export class RemoteKeySource {
  readonly #o: KeySourceOptions
  readonly #storeKey: string
  readonly #parse: (body: unknown) => ParsedJwks | Promise<ParsedJwks>
  readonly #refreshes = new SingleFlight<RefreshResult, RefreshMeta>()
  readonly #backoff = new Backoff()
  #snapshot: KeySnapshot | undefined
  /** The refresh that set `#snapshot`: results of older ones are late (invariant 4). */
  #snapshotSeq = 0
  /** The snapshot whose turning stale was reported: `stale_served` once per transition. */
  #staleReported: KeySnapshot | undefined
  #discovered: { url: string; at: number } | undefined
  #lastFetch: KeySourceHealth['lastFetch']
  #cooldownUntil = 0

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
    const now = this.#o.now()
    const age = now - snapshot.fetchedAt
    if (age < snapshot.maxAgeMs * REFRESH_AHEAD_RATIO) return snapshot
    if (age >= snapshot.maxAgeMs + this.#o.maxStaleMs) return undefined
    const expired = age >= snapshot.maxAgeMs
    if (expired && this.#staleReported !== snapshot) {
      this.#staleReported = snapshot
      this.#emit({ type: 'stale_served', issuer: this.#o.issuer, staleForMs: age - snapshot.maxAgeMs })
    }
    this.#liveOrStarted(expired ? 'expired' : 'ahead', ANY_SET, waitUntil)
    return snapshot
  }

  /** Keys, waiting for a refresh if none are usable. Throws ERR_JWKS_UNAVAILABLE. */
  async load(waitUntil?: WaitUntil): Promise<KeySnapshot> {
    for (let round = 0; round < MAX_REFRESHES_PER_WAITER; round++) {
      // Also after giving up on an abandoned refresh: the one that replaced it may be done.
      const ready = this.usable(waitUntil)
      if (ready !== undefined) return ready
      const refresh = this.#liveOrStarted('cold', ANY_SET, waitUntil)
      if (refresh === undefined || (await this.#wait(refresh)) !== ABANDONED) break
    }
    const now = this.#o.now()
    const held = this.#held(now)
    if (held === undefined) throw this.#unavailable(now)
    return held
  }

  /**
   * An unknown kid may mean the issuer rotated: refetch once, then refuse further unknown kids
   * without a fetch for `cooldownMs`. Requests that arrive while that refetch runs wait for it,
   * so every first sight of a rotated-in kid is accepted. `holds` tells whether a set has the key.
   */
  async refetchForUnknownKid(holds: Wants, waitUntil?: WaitUntil): Promise<KidRefetch> {
    for (let round = 0; round < MAX_REFRESHES_PER_WAITER; round++) {
      const now = this.#o.now()
      let refresh = this.#refreshes.live(now)
      if (refresh === undefined) {
        if (now < this.#cooldownUntil) return { outcome: 'cooldown' }
        if (!this.#backoff.allows(now)) return { outcome: 'backoff' }
        refresh = this.#start(now, 'kid_miss', holds, waitUntil)
      }
      refresh.meta.unknownKid = true
      const result = await this.#wait(refresh)
      const held = this.#held(this.#o.now())
      if (held !== undefined && holds(held)) return { outcome: 'found', snapshot: held }
      if (result === ABANDONED) continue
      if (!result.ok) return { outcome: 'failed' }
      if (result.from === 'issuer') return { outcome: 'absent' }
      // A stored set answered, without this kid: ask the issuer once ourselves.
    }
    return { outcome: 'failed' }
  }

  /** Whether a refresh runs now (and can still settle in time). */
  refreshing(): boolean {
    return this.#refreshes.live(this.#o.now()) !== undefined
  }

  /** Waits for the running refresh, if any, until its deadline at most; never starts one. */
  async settled(): Promise<void> {
    const live = this.#refreshes.live(this.#o.now())
    if (live !== undefined) await this.#wait(live)
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
      retryInMs: this.#backoff.retryInMs(now),
    }
  }

  /** The set we hold, if still within its stale window (invariant 7). No side effects. */
  #held(now: number): KeySnapshot | undefined {
    const snapshot = this.#snapshot
    if (snapshot === undefined || now - snapshot.fetchedAt >= snapshot.maxAgeMs + this.#o.maxStaleMs) {
      return undefined
    }
    return snapshot
  }

  /** The running refresh, or a new one if the backoff allows; the one path to a refresh but kid misses. */
  #liveOrStarted(reason: RefreshReason, wants: Wants, waitUntil: WaitUntil | undefined): Refresh | undefined {
    const now = this.#o.now()
    const live = this.#refreshes.live(now)
    if (live !== undefined) return live
    return this.#backoff.allows(now) ? this.#start(now, reason, wants, waitUntil) : undefined
  }

  #start(now: number, reason: RefreshReason, wants: Wants, waitUntil: WaitUntil | undefined): Refresh {
    const discovery = this.#o.jwksUri === undefined && this.#freshDiscovery(now) === undefined
    const budgetMs = refreshBudgetMs(this.#o.timeoutMs, { discovery })
    const meta: RefreshMeta = { reason, unknownKid: false }
    const refresh = this.#refreshes.start(now, budgetMs, meta, (seq) =>
      this.#refresh(seq, meta, wants, waitUntil),
    )
    // Others may wait on it: on Workers it must outlive the request that started it.
    waitUntil?.(refresh.promise)
    return refresh
  }

  #wait(refresh: Refresh): Promise<RefreshResult | typeof ABANDONED> {
    return this.#refreshes.wait(refresh, this.#o.now())
  }

  async #refresh(
    seq: number,
    meta: RefreshMeta,
    wants: Wants,
    waitUntil: WaitUntil | undefined,
  ): Promise<RefreshResult> {
    let url = this.#o.jwksUri ?? this.#discovered?.url ?? this.#o.issuer
    try {
      this.#emit({ type: 'refresh', issuer: this.#o.issuer, reason: meta.reason })
      if (await this.#adoptFromStore(seq, meta.reason, wants)) return { ok: true, from: 'store' }
      url = await this.#jwksUrl()
      const { snapshot, status } = await this.#fetchKeys(url)
      this.#succeed(seq, meta, snapshot, status, waitUntil)
      return { ok: true, from: 'issuer' }
    } catch (error) {
      this.#fail(seq, url, error)
      return { ok: false }
    }
  }

  /**
   * Another instance may have fetched already: a newer, usable stored set is adopted. It ends
   * the refresh when it is enough: for an unknown kid, a set that holds it; else a fresh one.
   */
  async #adoptFromStore(seq: number, reason: RefreshReason, wants: Wants): Promise<boolean> {
    const stored = await readSharedSnapshot(this.#o.store, this.#storeKey, {
      timeoutMs: this.#o.timeoutMs,
      now: this.#o.now(),
      parse: this.#parse,
    })
    const current = this.#snapshot
    if (stored === undefined || seq < this.#snapshotSeq) return false
    if (current !== undefined && stored.fetchedAt <= current.fetchedAt) return false
    const age = this.#o.now() - stored.fetchedAt
    if (age >= stored.maxAgeMs + this.#o.maxStaleMs) return false
    this.#adopt(seq, stored)
    this.#lastFetch = { ok: true, at: stored.fetchedAt }
    this.#emit({ type: 'store_hit', issuer: this.#o.issuer })
    return reason === 'kid_miss' ? wants(stored) : age < stored.maxAgeMs * REFRESH_AHEAD_RATIO
  }

  async #jwksUrl(): Promise<string> {
    if (this.#o.jwksUri !== undefined) return this.#o.jwksUri
    const now = this.#o.now()
    const known = this.#freshDiscovery(now)
    if (known !== undefined) return known
    const url = await discoverJwksUri(this.#o.issuer, this.#fetchOptions(), this.#o.discoveryUrl)
    this.#discovered = { url, at: now }
    return url
  }

  #freshDiscovery(now: number): string | undefined {
    const discovered = this.#discovered
    return discovered !== undefined && now - discovered.at < DISCOVERY_MAX_AGE_MS ? discovered.url : undefined
  }

  async #fetchKeys(url: string): Promise<{ snapshot: KeySnapshot; status: 200 | 304 }> {
    const previous = this.#snapshot?.url === url ? this.#snapshot : undefined
    const result = await boundedFetch(url, {
      ...this.#fetchOptions(),
      ...(this.#o.body === undefined ? {} : { body: this.#o.body }),
      ...(previous?.etag === undefined ? {} : { etag: previous.etag }),
    })
    const fetchedAt = this.#o.now()
    const maxAgeMs = freshnessMs(result.headers.get('cache-control'))
    if (result.status === 304 && previous !== undefined) {
      return { snapshot: { ...previous, fetchedAt, maxAgeMs }, status: 304 }
    }
    if (result.status === 304) {
      throw new FetchFailure('unexpected status 304', { kind: 'status', status: 304, url })
    }
    const parsed = await this.#parse(result.body)
    for (const { kid, reason } of parsed.ignored) {
      this.#emit({
        type: 'key_ignored',
        issuer: this.#o.issuer,
        kid: eventText(kid, EVENT_KID_LENGTH),
        reason,
      })
    }
    const etag = result.headers.get('etag') ?? undefined
    return { snapshot: { keys: parsed.keys, url, fetchedAt, maxAgeMs, etag }, status: 200 }
  }

  /** Sets the keys: the ordering guard has let them through, and the source is healthy again. */
  #adopt(seq: number, snapshot: KeySnapshot): void {
    this.#snapshot = snapshot
    this.#snapshotSeq = seq
    this.#backoff.succeeded()
  }

  #succeed(
    seq: number,
    meta: RefreshMeta,
    snapshot: KeySnapshot,
    status: 200 | 304,
    waitUntil: WaitUntil | undefined,
  ): void {
    if (seq < this.#snapshotSeq) return // late: a newer refresh has set the keys already
    this.#adopt(seq, snapshot)
    this.#lastFetch = { ok: true, at: snapshot.fetchedAt }
    if (meta.unknownKid) this.#cooldownUntil = snapshot.fetchedAt + this.#o.cooldownMs
    this.#emit({
      type: 'fetch_ok',
      issuer: this.#o.issuer,
      url: eventText(snapshot.url, EVENT_URL_LENGTH),
      status,
      keys: snapshot.keys.length,
      maxAgeSeconds: snapshot.maxAgeMs / 1000,
    })
    // Sharing is best effort: a store outage must not fail a good fetch, and the write must not
    // delay the answer. On Workers it only survives the response through waitUntil.
    const write = writeSharedSnapshot(this.#o.store, this.#storeKey, snapshot, this.#o.maxStaleMs)
    waitUntil?.(write)
  }

  #fail(seq: number, url: string, error: unknown): void {
    if (seq < this.#snapshotSeq) return // late: a newer refresh has answered already
    const failure =
      error instanceof FetchFailure ? error : new FetchFailure('internal error', { kind: 'internal' })
    const now = this.#o.now()
    const retryInMs = this.#backoff.failed(now, failure.retryAfterMs)
    this.#lastFetch = { ok: false, at: now, reason: failure.message }
    // A moved or removed jwks_uri is found again by discovery on the next attempt.
    if (isNotThere(failure)) this.#discovered = undefined
    this.#emit({
      type: 'fetch_failed',
      issuer: this.#o.issuer,
      url: eventText(failure.url ?? url, EVENT_URL_LENGTH),
      reason: failure.message,
      retryInMs,
      ...(failure.status === undefined ? {} : { status: failure.status }),
    })
  }

  #unavailable(now: number): JwtAuthError {
    return new JwtAuthError('ERR_JWKS_UNAVAILABLE', {
      retryAfterSeconds: Math.max(1, Math.ceil(this.#backoff.retryInMs(now) / 1000)),
    })
  }

  #emit(event: CacheEvent): void {
    this.#o.onEvent(event)
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
