import type { StoredKeySet } from '../../cache/key-set-store.js'

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value)

/**
 * The stored value if it has the shape of a `StoredKeySet`; undefined otherwise. What a shared
 * store hands back is checked before the verifier sees it: another deployment, an older version
 * or a tampered entry must cost a fetch, never a wrong key set. The keys themselves are
 * re-validated by the verifier (`parseJwks`) as well.
 */
export function readStoredKeySet(value: unknown): StoredKeySet | undefined {
  if (!isObject(value)) return undefined
  const { url, keys, fetchedAt, maxAgeMs, etag } = value
  if (
    typeof url !== 'string' ||
    !Array.isArray(keys) ||
    !keys.every(isObject) ||
    !Number.isFinite(fetchedAt) ||
    !Number.isFinite(maxAgeMs) ||
    (etag !== undefined && typeof etag !== 'string')
  )
    return undefined
  const set = { url, keys, fetchedAt: fetchedAt as number, maxAgeMs: maxAgeMs as number }
  return etag === undefined ? set : { ...set, etag }
}
