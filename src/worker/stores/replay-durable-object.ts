import type { ReplayStore } from '../../sender/replay-store.js'

/**
 * The DPoP replay store shared by every instance of the gateway worldwide: one Durable Object
 * per shard of the proof-id space, each the single place where its ids are checked, so two
 * requests carrying the same proof — at two locations, at the same moment — cannot both pass
 * (RFC 9449 §11.1). Entries are kept in the object's storage (they survive its eviction) and
 * deleted by an alarm once expired.
 */

/** The members of a Durable Object's storage used here; a real `DurableObjectStorage` fits. */
export interface ReplayStorageLike {
  get<T>(key: string): Promise<T | undefined>
  put(entries: Record<string, unknown>): Promise<void>
  delete(keys: string[]): Promise<number>
  list<T>(options: { start?: string; end?: string; limit?: number }): Promise<Map<string, T>>
  getAlarm(): Promise<number | null>
  setAlarm(scheduledTime: number): Promise<void>
}

/** The part of a `DurableObjectNamespace` binding used here. */
export interface DurableObjectNamespaceLike {
  idFromName(name: string): unknown
  get(id: never): { fetch(input: string, init?: RequestInit): Promise<Response> }
}

/** Default number of shards: each object serialises its own requests, so more spread the load. */
const DEFAULT_REPLAY_SHARDS = 16
/** Entries deleted per alarm run; the alarm re-arms itself while there are more. */
const SWEEP_BATCH = 1000
/** Alarm granularity: expired entries are refused anyway, the sweep only frees storage. */
const SWEEP_INTERVAL_MS = 60_000

const ID_PREFIX = 'id:'
const EXPIRY_PREFIX = 'exp:'
/** Fixed-width epoch milliseconds, so that expiry keys sort by time. */
const expiryKey = (expiresAtMs: number, id: string) =>
  `${EXPIRY_PREFIX}${String(Math.floor(expiresAtMs)).padStart(15, '0')}:${id}`

interface RememberRequest {
  id: string
  expiresAtMs: number
}

function isRememberRequest(value: unknown): value is RememberRequest {
  const body = value as Partial<RememberRequest> | null
  return (
    typeof body === 'object' &&
    body !== null &&
    typeof body.id === 'string' &&
    body.id.length > 0 &&
    body.id.length <= 1024 &&
    typeof body.expiresAtMs === 'number' &&
    Number.isFinite(body.expiresAtMs)
  )
}

/**
 * The Durable Object class (wrangler.toml binds it as `DPOP_REPLAY`). Its `fetch` answers
 * `{ "fresh": true }` the first time an unexpired id is remembered, `false` after. A Durable
 * Object runs one event at a time between storage calls (input gates), so the read and the
 * write of an id cannot interleave with another request's.
 */
export class DpopReplayObject {
  readonly #storage: ReplayStorageLike

  constructor(state: { storage: ReplayStorageLike }, _env?: unknown) {
    this.#storage = state.storage
  }

  async fetch(request: Request): Promise<Response> {
    let body: unknown
    try {
      body = await request.json()
    } catch {
      body = undefined
    }
    if (request.method !== 'POST' || !isRememberRequest(body)) return new Response(null, { status: 400 })
    const now = Date.now()
    const key = `${ID_PREFIX}${body.id}`
    const held = await this.#storage.get<number>(key)
    if (held !== undefined && held > now) return Response.json({ fresh: false })
    await this.#storage.put({ [key]: body.expiresAtMs, [expiryKey(body.expiresAtMs, body.id)]: 1 })
    if ((await this.#storage.getAlarm()) === null) await this.#storage.setAlarm(now + SWEEP_INTERVAL_MS)
    return Response.json({ fresh: true })
  }

  /** Deletes expired entries, oldest first, and re-arms while any remain. */
  async alarm(): Promise<void> {
    const now = Date.now()
    const expired = await this.#storage.list<number>({
      start: EXPIRY_PREFIX,
      end: expiryKey(now, ''),
      limit: SWEEP_BATCH,
    })
    const keys: string[] = []
    for (const name of expired.keys()) {
      const id = name.slice(name.indexOf(':', EXPIRY_PREFIX.length) + 1)
      const held = await this.#storage.get<number>(`${ID_PREFIX}${id}`)
      // A re-remembered id has a later expiry: only its old index entry goes.
      if (held !== undefined && held <= now) keys.push(`${ID_PREFIX}${id}`)
      keys.push(name)
    }
    // storage.delete takes at most 128 keys per call.
    for (let i = 0; i < keys.length; i += 128) await this.#storage.delete(keys.slice(i, i + 128))
    const left = await this.#storage.list({ start: EXPIRY_PREFIX, end: `${EXPIRY_PREFIX}~`, limit: 1 })
    if (left.size > 0) await this.#storage.setAlarm(now + SWEEP_INTERVAL_MS)
  }
}

/** FNV-1a over UTF-16 code units: cheap, stable, and spreads ids evenly enough over shards. */
function shardOf(id: string, shards: number): number {
  let hash = 0x811c9dc5
  for (let i = 0; i < id.length; i += 1) {
    hash ^= id.charCodeAt(i)
    hash = Math.imul(hash, 0x01000193)
  }
  return (hash >>> 0) % shards
}

/**
 * A {@link ReplayStore} over the `DpopReplayObject` namespace. A shard that cannot be reached
 * throws: the request then fails (503 `ERR_REPLAY_STORE_UNAVAILABLE`) rather than skip the replay check.
 *
 * @example
 * const replayStore = new DurableObjectReplayStore(env.DPOP_REPLAY)
 */
export class DurableObjectReplayStore implements ReplayStore {
  readonly #namespace: DurableObjectNamespaceLike
  readonly #shards: number

  constructor(namespace: DurableObjectNamespaceLike, options: { shards?: number } = {}) {
    const shards = options.shards ?? DEFAULT_REPLAY_SHARDS
    if (!Number.isSafeInteger(shards) || shards < 1)
      throw new TypeError('"shards" option must be a positive integer')
    this.#namespace = namespace
    this.#shards = shards
  }

  async remember(id: string, expiresAtMs: number): Promise<boolean> {
    const name = `dpop-replay-${shardOf(id, this.#shards)}`
    const stub = this.#namespace.get(this.#namespace.idFromName(name) as never)
    const response = await stub.fetch('https://dpop-replay/remember', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ id, expiresAtMs }),
    })
    if (!response.ok) throw new Error(`replay store answered ${response.status}`)
    const { fresh } = (await response.json()) as { fresh?: unknown }
    return fresh === true
  }
}
