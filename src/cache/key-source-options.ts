import type { CacheEvent } from './events.js'
import type { ParsedJwks } from './parse-jwks.js'
import type { KeySetStore } from './store.js'

export interface KeySourceOptions {
  issuer: string
  /** Skips discovery when set. */
  jwksUri: string | undefined
  fetch: typeof fetch
  now: () => number
  store: KeySetStore
  timeoutMs: number
  maxBodyBytes: number
  maxKeys: number
  cooldownMs: number
  maxStaleMs: number
  onEvent: (event: CacheEvent) => void
  /** Turns a fetched (or stored) body into keys, or throws FetchFailure. Default: {@link parseJwks}. */
  parse?: (body: unknown) => ParsedJwks
  /** Where the set is shared in the store. Default: derived from issuer and jwksUri. */
  storeKey?: string
  /** A URL this source must never fetch (the publisher's own origin); checked before each fetch. */
  refuseUrl?: (url: string) => boolean
}

export type WaitUntil = (promise: Promise<unknown>) => void

/** What `/healthz` shows of a source: no keys, no URLs with secrets, no bodies. */
export interface KeySourceHealth {
  issuer: string
  keys: number
  ageMs: number | undefined
  stale: boolean
  lastFetch: { ok: boolean; at: number; reason?: string } | undefined
  retryInMs: number
}
