import { importJWK } from 'jose'
import type { KeySnapshot } from '../cache/key-set-store.js'
import { selectKey } from '../checks/select-key.js'
import { JwtAuthError } from '../errors.js'
import type { AsymmetricAlgorithm } from '../jwk/algorithms.js'
import type { PublicJwk } from '../jwk/public-jwk.js'
import { rsaWeakness } from '../jwk/rsa-strength.js'

/** A key chosen for (alg, kid), with its CryptoKey imported once. */
export interface SelectedKey {
  readonly fingerprint: string
  /** The JWK's own `issuer` member, if it has one. */
  readonly issuer: string | undefined
  readonly cryptoKey: Promise<CryptoKey>
}

/**
 * The keys of one issuer as the hot path needs them: selection memoised per (alg, kid) and the
 * imported CryptoKey per (key, alg), both rebuilt only when the snapshot changes. A key that
 * leaves the set stops being live at once, which the verified-token cache checks on every hit.
 */
export class KeyRing {
  #snapshot: KeySnapshot | undefined
  #selections = new Map<string, SelectedKey>()
  #imports = new Map<string, Promise<CryptoKey>>()
  #live = new Set<string>()

  /** Adopts `snapshot` if it is new; cheap when it is the current one. */
  sync(snapshot: KeySnapshot): void {
    if (snapshot === this.#snapshot) return
    this.#snapshot = snapshot
    this.#selections = new Map()
    this.#live = new Set(snapshot.keys.map(fingerprintOf))
    for (const id of this.#imports.keys()) {
      if (!this.#live.has(id.slice(id.indexOf(' ') + 1))) this.#imports.delete(id)
    }
  }

  isLive(fingerprint: string): boolean {
    return this.#live.has(fingerprint)
  }

  select(alg: AsymmetricAlgorithm, kid: string | undefined): SelectedKey | 'none' | 'ambiguous' {
    const memoKey = kid === undefined ? alg : `${alg} ${kid}`
    const memo = this.#selections.get(memoKey)
    if (memo !== undefined) return memo
    const snapshot = this.#snapshot
    if (snapshot === undefined) return 'none'
    const selection = selectKey(snapshot.keys, alg, kid)
    if (typeof selection === 'string') return selection
    const selected = this.#importOnce(selection.key, alg)
    // Only hits are memoised: misses are attacker-chosen and would grow the map without bound.
    this.#selections.set(memoKey, selected)
    return selected
  }

  #importOnce(jwk: PublicJwk, alg: AsymmetricAlgorithm): SelectedKey {
    const fingerprint = fingerprintOf(jwk)
    const id = `${alg} ${fingerprint}`
    let cryptoKey = this.#imports.get(id)
    if (cryptoKey === undefined) {
      // A weak key is refused before WebCrypto sees it: not every runtime refuses it (row 22).
      const imported =
        rsaWeakness(jwk) === undefined
          ? (importJWK({ ...jwk }, alg) as Promise<CryptoKey>)
          : Promise.reject(new Error('weak RSA key'))
      cryptoKey = imported.catch(() => {
        throw new JwtAuthError('ERR_KEY_UNUSABLE')
      })
      // A rejected import stays memoised: the same bad key fails the same way, without work.
      cryptoKey.catch(() => undefined)
      this.#imports.set(id, cryptoKey)
    }
    return { fingerprint, issuer: jwk.issuer, cryptoKey }
  }
}

/** Identity of a key's public material: two entries with equal fingerprints are one key. */
export function fingerprintOf(jwk: PublicJwk): string {
  return [jwk.kty, jwk.crv, jwk.kid, jwk.alg, jwk.n, jwk.e, jwk.x, jwk.y].map((v) => v ?? '').join('|')
}
