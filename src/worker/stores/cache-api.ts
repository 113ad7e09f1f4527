import type { KeySetStore, StoredKeySet } from '../../cache/key-set-store.js'
import { readStoredKeySet } from './stored-key-set.js'

/**
 * Host of the synthetic URLs entries are kept under. The Cache API keys by URL; this one is
 * never fetched, it only has to be a valid https URL no real request will match.
 */
const CACHE_KEY_ORIGIN = 'https://jwks-gateway.cache.invalid'

/** The part of the Workers `Cache` interface this store uses. */
export interface CacheLike {
  match(request: Request): Promise<Response | undefined>
  put(request: Request, response: Response): Promise<void>
}

/**
 * Shares fetched key sets between the isolates of one Cloudflare location through the Workers
 * Cache API (`caches.default` unless another cache is given). Entries expire by `Cache-Control:
 * max-age`. Note: on `*.workers.dev` hosts the Cache API stores nothing; bind `JWKS_CACHE` (KV)
 * there.
 *
 * @example
 * const store = new CacheApiKeySetStore((caches as unknown as { default: Cache }).default)
 */
export class CacheApiKeySetStore implements KeySetStore {
  readonly #cache: CacheLike | Promise<CacheLike>

  constructor(cache?: CacheLike | Promise<CacheLike>) {
    this.#cache = cache ?? defaultCache()
  }

  async get(key: string): Promise<StoredKeySet | undefined> {
    const response = await (await this.#cache).match(requestFor(key))
    if (response === undefined) return undefined
    try {
      return readStoredKeySet(await response.json())
    } catch {
      return undefined
    }
  }

  async put(key: string, value: StoredKeySet, ttlSeconds: number): Promise<void> {
    const response = new Response(JSON.stringify(value), {
      headers: {
        'content-type': 'application/json',
        'cache-control': `max-age=${Math.max(0, Math.ceil(ttlSeconds))}`,
      },
    })
    await (await this.#cache).put(requestFor(key), response)
  }
}

function requestFor(key: string): Request {
  return new Request(`${CACHE_KEY_ORIGIN}/v1/${encodeURIComponent(key)}`)
}

function defaultCache(): CacheLike {
  const storage = (globalThis as { caches?: { default?: CacheLike } }).caches
  if (storage?.default === undefined)
    throw new TypeError('the Workers Cache API (caches.default) is not available')
  return storage.default
}
