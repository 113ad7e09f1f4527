import type { KeySetStore, StoredKeySet } from '../../cache/key-set-store.js'
import type { KVLike } from '../env.js'
import { readStoredKeySet } from './stored-key-set.js'

/** Workers KV refuses an `expirationTtl` under 60 seconds. */
export const KV_MIN_TTL_SECONDS = 60
/** Workers KV refuses keys over 512 bytes; longer ones are hashed. */
const KV_MAX_KEY_BYTES = 512
const KEY_PREFIX = 'jwks-gateway:'

/**
 * Shares fetched key sets between every isolate and location through a Workers KV namespace
 * (the `JWKS_CACHE` binding). KV is eventually consistent (about a minute across locations):
 * an isolate that reads an older set simply fetches, as the verifier never trusts a store blindly.
 *
 * @example
 * const store = new KvKeySetStore(env.JWKS_CACHE)
 */
export class KvKeySetStore implements KeySetStore {
  readonly #kv: KVLike

  constructor(kv: KVLike) {
    this.#kv = kv
  }

  async get(key: string): Promise<StoredKeySet | undefined> {
    return readStoredKeySet(await this.#kv.get(await kvKey(key), 'json'))
  }

  async put(key: string, value: StoredKeySet, ttlSeconds: number): Promise<void> {
    await this.#kv.put(await kvKey(key), JSON.stringify(value), {
      expirationTtl: Math.max(KV_MIN_TTL_SECONDS, Math.ceil(ttlSeconds)),
    })
  }
}

async function kvKey(key: string): Promise<string> {
  const plain = `${KEY_PREFIX}${key}`
  if (new TextEncoder().encode(plain).byteLength <= KV_MAX_KEY_BYTES) return plain
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(key))
  const hex = [...new Uint8Array(digest)].map((byte) => byte.toString(16).padStart(2, '0')).join('')
  return `${KEY_PREFIX}sha256:${hex}`
}
