/** What the key cache reports through `onEvent` (never a key, a body or a token). */
export type CacheEvent =
  | { type: 'fetch_ok'; issuer: string; url: string; status: 200 | 304; keys: number; maxAgeSeconds: number }
  | { type: 'fetch_failed'; issuer: string; url: string; reason: string; retryInMs: number }
  | { type: 'key_ignored'; issuer: string; kid: string | undefined; reason: string }
  | { type: 'refresh'; issuer: string; reason: RefreshReason }
  | { type: 'store_hit'; issuer: string }
  | { type: 'stale_served'; issuer: string; staleForMs: number }

export type RefreshReason = 'cold' | 'ahead' | 'expired' | 'kid_miss'
