import type { AsymmetricAlgorithm } from '../jwk/algorithms.js'
import { jwkFitsAlgorithm, type PublicJwk } from '../jwk/public-jwk.js'

export type KeySelection = { key: PublicJwk } | 'none' | 'ambiguous'

/**
 * docs/verifier.md#verification-policy key selection, a pure picker: same `kid`, `kty`/`crv` fitting `alg`, the JWK's own
 * `alg` equal if it names one (`use`/`key_ops` were checked when the set was accepted). Without
 * a `kid` only a single candidate is acceptable; two candidates are an error, never "try each".
 */
export function selectKey(
  keys: readonly PublicJwk[],
  alg: AsymmetricAlgorithm,
  kid: string | undefined,
): KeySelection {
  let found: PublicJwk | undefined
  for (const key of keys) {
    if (kid !== undefined && key.kid !== kid) continue
    if (!jwkFitsAlgorithm(key, alg)) continue
    if (found !== undefined) return 'ambiguous'
    found = key
  }
  return found === undefined ? 'none' : { key: found }
}
