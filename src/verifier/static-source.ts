import type { KeySnapshot } from '../cache/key-set-store.js'
import type { KeySourceHealth, KidRefetch } from '../cache/key-source.js'
import { parseJwks } from '../cache/parse-jwks.js'

/** A locally configured key set: always fresh, never fetched, same interface as a remote one. */
export class StaticKeySource {
  readonly issuer: string
  readonly #snapshot: KeySnapshot | undefined

  constructor(issuer: string, jwks: { keys: readonly unknown[] } | undefined, maxKeys: number) {
    this.issuer = issuer
    this.#snapshot =
      jwks === undefined
        ? undefined
        : {
            keys: parseJwks({ keys: jwks.keys }, maxKeys).keys,
            url: 'local',
            fetchedAt: 0,
            maxAgeMs: Number.POSITIVE_INFINITY,
            etag: undefined,
          }
  }

  usable(): KeySnapshot | undefined {
    return this.#snapshot
  }

  async load(): Promise<KeySnapshot> {
    return (
      this.#snapshot ?? {
        keys: [],
        url: 'local',
        fetchedAt: 0,
        maxAgeMs: Number.POSITIVE_INFINITY,
        etag: undefined,
      }
    )
  }

  /** A configured set never changes: a kid it lacks is absent, with no fetch. */
  async refetchForUnknownKid(): Promise<KidRefetch> {
    return { outcome: 'absent' }
  }

  health(): KeySourceHealth {
    return {
      issuer: this.issuer,
      keys: this.#snapshot?.keys.length ?? 0,
      ageMs: undefined,
      stale: false,
      lastFetch: undefined,
      retryInMs: 0,
    }
  }
}
