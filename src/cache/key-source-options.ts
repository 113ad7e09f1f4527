import type { CacheEvent } from './events.js'
import type { KeySetStore, KeySnapshot } from './key-set-store.js'
import type { ParsedJwks } from './parse-jwks.js'

export interface KeySourceOptions {
  issuer: string
  /** Skips discovery when set. */
  jwksUri: string | undefined
  /** The discovery document to read instead of the issuer's well-known ones (Entra `common`). */
  discoveryUrl?: string | undefined
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
