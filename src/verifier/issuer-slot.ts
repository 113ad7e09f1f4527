import { EVENT_KID_LENGTH, eventText } from '../cache/events.js'
import type { KeySnapshot } from '../cache/key-set-store.js'
import type { KeySourceHealth, KidRefetch, WaitUntil } from '../cache/key-source.js'
import { assertCouldPass, type ClaimPolicy } from '../checks/claims.js'
import { selectKey } from '../checks/select-key.js'
import { readUnverifiedPayload } from '../checks/token-shape.js'
import { JwtAuthError } from '../errors.js'
import { type AsymmetricAlgorithm, isHmacAlgorithm } from '../jwk/algorithms.js'
import type { ResolvedIssuer } from './config.js'
import { KeyRing } from './key-ring.js'
import type { AudienceRule, VerifierEvent } from './options.js'

/** What a slot needs of a key source, remote or static. */
export interface KeySource {
  usable(waitUntil?: WaitUntil): KeySnapshot | undefined
  load(waitUntil?: WaitUntil): Promise<KeySnapshot>
  /** `holds` tells whether a set has the key the caller is missing; `kid` names it (per-kid sources). */
  refetchForUnknownKid(
    holds: (snapshot: KeySnapshot) => boolean,
    waitUntil?: WaitUntil,
    kid?: string,
  ): Promise<KidRefetch>
  health(): KeySourceHealth
}

export interface VerificationKey {
  key: CryptoKey | Uint8Array
  /** The issuer the JWK says it signs for, if it says (Entra). */
  keyIssuer: string | undefined
  /** Liveness handle for the verified-token cache; undefined for local HMAC secrets. */
  fingerprint: string | undefined
}

/** HMAC secrets never change at run time, so their cache entries never need a liveness check. */
const HMAC_FINGERPRINT = undefined

/** One configured issuer: its policy, its key source and the keys ready for the hot path. */
export class IssuerSlot {
  readonly config: ResolvedIssuer
  readonly source: KeySource
  readonly #ring = new KeyRing()
  readonly #onEvent: (event: VerifierEvent) => void

  constructor(config: ResolvedIssuer, source: KeySource, onEvent: (event: VerifierEvent) => void) {
    this.config = config
    this.source = source
    this.#onEvent = onEvent
  }

  get policy(): ClaimPolicy {
    return this.config.policy
  }

  /** Whether a key verified before is still in the current set (a removed key dies at once). */
  isLive(fingerprint: string | undefined, waitUntil: WaitUntil | undefined): boolean {
    if (fingerprint === HMAC_FINGERPRINT) return true
    const snapshot = this.source.usable(waitUntil)
    if (snapshot === undefined) return false
    this.#ring.sync(snapshot)
    return this.#ring.isLive(fingerprint)
  }

  async keyFor(
    token: string,
    alg: string,
    kid: string | undefined,
    now: number,
    waitUntil: WaitUntil | undefined,
    audience: AudienceRule | undefined,
  ): Promise<VerificationKey> {
    if (isHmacAlgorithm(alg)) {
      return { key: this.#secretFor(alg, kid), fingerprint: HMAC_FINGERPRINT, keyIssuer: undefined }
    }
    const asymmetric = alg as AsymmetricAlgorithm
    this.#ring.sync(this.source.usable(waitUntil) ?? (await this.#loadFor(token, now, waitUntil, audience)))
    let selected = this.#ring.select(asymmetric, kid)
    if (selected === 'none') {
      this.#onEvent({ type: 'kid_miss', issuer: this.config.issuer, kid: eventText(kid, EVENT_KID_LENGTH) })
      assertCouldPass(readUnverifiedPayload(token), this.policy, now, audience)
      const refetch = await this.source.refetchForUnknownKid(
        (snapshot) => selectKey(snapshot.keys, asymmetric, kid) !== 'none',
        waitUntil,
        kid,
      )
      if (refetch.outcome === 'cooldown') {
        this.#onEvent({
          type: 'cooldown_hit',
          issuer: this.config.issuer,
          kid: eventText(kid, EVENT_KID_LENGTH),
        })
      }
      if (refetch.outcome !== 'found') throw new JwtAuthError('ERR_KEY_NOT_FOUND')
      this.#ring.sync(refetch.snapshot)
      selected = this.#ring.select(asymmetric, kid)
    }
    if (selected === 'none') throw new JwtAuthError('ERR_KEY_NOT_FOUND')
    if (selected === 'ambiguous') throw new JwtAuthError('ERR_KEY_AMBIGUOUS')
    return { key: await selected.cryptoKey, fingerprint: selected.fingerprint, keyIssuer: selected.issuer }
  }

  /**
   * A cold (or too old) key set is fetched only for a token that could pass once verified: an
   * expired or foreign token must not make us call the issuer, and is refused with its own code.
   */
  async #loadFor(
    token: string,
    now: number,
    waitUntil: WaitUntil | undefined,
    audience: AudienceRule | undefined,
  ): Promise<KeySnapshot> {
    assertCouldPass(readUnverifiedPayload(token), this.policy, now, audience)
    return this.source.load(waitUntil)
  }

  /** HMAC keys come from configuration only; an HS token never causes a fetch. */
  #secretFor(alg: string, kid: string | undefined): Uint8Array {
    const candidates = this.config.secrets.filter(
      (secret) => secret.alg === alg && (kid === undefined || secret.kid === kid),
    )
    const [only, second] = candidates
    if (only === undefined) throw new JwtAuthError('ERR_KEY_NOT_FOUND')
    if (second !== undefined) throw new JwtAuthError('ERR_KEY_AMBIGUOUS')
    return only.key
  }
}
