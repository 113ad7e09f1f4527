import { JwtAuthError } from '../errors.js'
import { Backoff } from './backoff.js'
import type { CacheEvent } from './events.js'
import { isNotThereStatus } from './fetch-failure.js'
import type { KeySnapshot } from './key-set-store.js'
import {
  type KeySourceHealth,
  type KeySourceOptions,
  type KidRefetch,
  RemoteKeySource,
  type WaitUntil,
} from './key-source.js'
import type { ParsedJwks } from './parse-jwks.js'

/** How a source that publishes one key per kid is fetched: `{keysUrl}/{kid}` (AWS ALB). */
export interface PerKidSourceOptions
  extends Omit<KeySourceOptions, 'jwksUri' | 'discoveryUrl' | 'parse' | 'storeKey'> {
  keysUrl: string
  /** Which kids may be asked for at all; any other is absent without a fetch (ALB: UUIDs). */
  isKid: (kid: string) => boolean
  /** Turns the body served for `kid` (or its stored copy) into keys, or throws FetchFailure. */
  parse: (body: unknown, kid: string) => Promise<ParsedJwks>
}

interface KidEntry {
  readonly source: RemoteKeySource
  /** Its key was had once, from the endpoint or the store. Until then the entry is a probe. */
  found: boolean
  /** How its probe ended without the key: the endpoint said it has no such key, or failed. */
  missed: 'absent' | 'failed' | undefined
}

/**
 * A waiter follows at most this many probes: one of another kid that was running when it came,
 * a second such one, then its own. Then it answers.
 */
const MAX_PROBES_PER_WAITER = 3

/**
 * Keys published one per kid, each at its own URL, with no set to list them (AWS ALB). Each kid
 * is a {@link RemoteKeySource} of its own, so each keeps every invariant of key-source.ts:
 * one refresh at a time under a deadline fixed at its start, handed to `waitUntil`, the backoff,
 * the shared store, last-known-good until `maxStaleMs` past expiry. What this adds is the rule
 * for a kid never seen, which anyone can put in a token header:
 *
 * 1. A kid is asked for only if `isKid` allows it, and one kid never seen is asked for at a time;
 *    requests with other new kids wait for that probe (until its deadline at most) first.
 * 2. A probe the endpoint answers with "not there" (a 4xx but 429) arms the cooldown: new kids are
 *    refused without a fetch for `cooldownMs`. A probe that fails otherwise arms the backoff:
 *    new kids are answered 503 until it allows. A probe that finds its key resets both.
 * 3. Both are armed from the probe's own events, inside its refresh, so a cancelled request
 *    cannot skip them.
 * 4. A kid's key, once had, is kept like any last-known-good set, whatever fails after.
 * 5. At most `maxKeys` kids are held; a new one pushes out a failed probe, else the oldest kid.
 *
 * docs/SECURITY.md row A3 lists what this stands against.
 */
export class PerKidKeySource {
  readonly #o: PerKidSourceOptions
  readonly #kids = new Map<string, KidEntry>()
  readonly #probes = new Backoff()
  readonly #empty: KeySnapshot
  #cooldownUntil = 0
  #merged: { parts: readonly KeySnapshot[]; snapshot: KeySnapshot } | undefined

  constructor(options: PerKidSourceOptions) {
    this.#o = options
    this.#empty = { keys: [], url: options.keysUrl, fetchedAt: 0, maxAgeMs: 0, etag: undefined }
  }

  /** The keys of every kid held, as one set; starts their refresh-ahead like any source. */
  usable(waitUntil?: WaitUntil): KeySnapshot | undefined {
    const parts: KeySnapshot[] = []
    for (const entry of this.#kids.values()) {
      const part = entry.found ? entry.source.usable(waitUntil) : undefined
      if (part !== undefined) parts.push(part)
    }
    if (parts.length === 0) return undefined
    const memo = this.#merged
    if (
      memo !== undefined &&
      memo.parts.length === parts.length &&
      memo.parts.every((p, i) => p === parts[i])
    ) {
      return memo.snapshot
    }
    const snapshot: KeySnapshot = {
      keys: parts.flatMap((part) => part.keys),
      url: this.#o.keysUrl,
      fetchedAt: Math.min(...parts.map((part) => part.fetchedAt)),
      maxAgeMs: Math.min(...parts.map((part) => part.maxAgeMs)),
      etag: undefined,
    }
    this.#merged = { parts, snapshot }
    return snapshot
  }

  /** Without a kid there is nothing to fetch: the keys held, or none (a kid miss follows). */
  async load(waitUntil?: WaitUntil): Promise<KeySnapshot> {
    return this.usable(waitUntil) ?? this.#empty
  }

  async refetchForUnknownKid(
    holds: (snapshot: KeySnapshot) => boolean,
    waitUntil?: WaitUntil,
    kid?: string,
  ): Promise<KidRefetch> {
    if (kid === undefined || !this.#o.isKid(kid)) return { outcome: 'absent' }
    for (let round = 0; round < MAX_PROBES_PER_WAITER; round++) {
      const now = this.#o.now()
      let entry = this.#kids.get(kid)
      if (entry === undefined) {
        if (now < this.#cooldownUntil) return { outcome: 'cooldown' }
        if (!this.#probes.allows(now)) throw this.#unavailable(now)
        const running = this.#runningProbe()
        if (running !== undefined) {
          await running.settled()
          continue
        }
        entry = this.#startProbe(kid)
      }
      try {
        await entry.source.load(waitUntil)
      } catch (error) {
        if (entry.missed === 'absent') return { outcome: 'absent' }
        throw error
      }
      const snapshot = this.usable(waitUntil)
      // A key that came but does not fit the token (another alg) is as good as none.
      return snapshot !== undefined && holds(snapshot)
        ? { outcome: 'found', snapshot }
        : { outcome: 'absent' }
    }
    return { outcome: 'failed' }
  }

  health(): KeySourceHealth {
    const now = this.#o.now()
    const held = [...this.#kids.values()].filter((entry) => entry.found).map((entry) => entry.source.health())
    const fetches = held.flatMap((health) => (health.lastFetch === undefined ? [] : [health.lastFetch]))
    return {
      issuer: this.#o.issuer,
      keys: held.reduce((sum, health) => sum + health.keys, 0),
      ageMs: held.length === 0 ? undefined : Math.max(...held.map((health) => health.ageMs ?? 0)),
      stale: held.length === 0 || held.some((health) => health.stale),
      lastFetch: fetches.sort((a, b) => b.at - a.at)[0],
      retryInMs: this.#probes.retryInMs(now),
    }
  }

  #runningProbe(): RemoteKeySource | undefined {
    for (const entry of this.#kids.values()) {
      if (!entry.found && entry.source.refreshing()) return entry.source
    }
    return undefined
  }

  #startProbe(kid: string): KidEntry {
    if (this.#kids.size >= this.#o.maxKeys) {
      const victim = [...this.#kids].find(([, entry]) => !entry.found)?.[0] ?? this.#kids.keys().next().value
      if (victim !== undefined) this.#kids.delete(victim)
    }
    const { keysUrl, isKid: _isKid, parse, onEvent, ...shared } = this.#o
    const entry: KidEntry = {
      found: false,
      missed: undefined,
      source: new RemoteKeySource({
        ...shared,
        jwksUri: `${keysUrl}/${encodeURIComponent(kid)}`,
        parse: (body) => parse(body, kid),
        onEvent: (event) => {
          this.#observe(kid, entry, event)
          onEvent(event)
        },
      }),
    }
    this.#kids.set(kid, entry)
    return entry
  }

  /** Invariants 2 and 3: runs inside the kid's refresh, whoever waits on it. */
  #observe(kid: string, entry: KidEntry, event: CacheEvent): void {
    if (event.type === 'fetch_ok' || event.type === 'store_hit') {
      entry.found = true
      this.#probes.succeeded()
      return
    }
    if (event.type !== 'fetch_failed' || entry.found) return
    const absent = isNotThereStatus(event.status)
    entry.missed = absent ? 'absent' : 'failed'
    if (this.#kids.get(kid) === entry) this.#kids.delete(kid)
    const now = this.#o.now()
    if (absent) {
      this.#cooldownUntil = now + this.#o.cooldownMs
      this.#probes.succeeded()
    } else {
      this.#probes.failed(now)
    }
  }

  #unavailable(now: number): JwtAuthError {
    return new JwtAuthError('ERR_JWKS_UNAVAILABLE', {
      retryAfterSeconds: Math.max(1, Math.ceil(this.#probes.retryInMs(now) / 1000)),
    })
  }
}
