import { array, number, object, optional, record, string, unknown } from 'zod/mini'
import type { StoredKeySet } from '../../cache/key-set-store.js'

/**
 * What a shared store hands back is checked before the verifier sees it: another deployment,
 * an older version or a tampered entry must cost a fetch, never a wrong key set. The keys
 * themselves are re-validated by the verifier (`parseJwks`) as well.
 */
const storedKeySetSchema = object({
  url: string(),
  keys: array(record(string(), unknown())),
  fetchedAt: number(),
  maxAgeMs: number(),
  etag: optional(string()),
})

/** The stored value if it has the shape of a `StoredKeySet`; undefined otherwise. */
export function readStoredKeySet(value: unknown): StoredKeySet | undefined {
  const parsed = storedKeySetSchema.safeParse(value)
  if (!parsed.success) return undefined
  const { etag, ...rest } = parsed.data
  return etag === undefined ? rest : { ...rest, etag }
}
