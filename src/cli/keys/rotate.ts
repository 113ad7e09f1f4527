import type { JwkObject } from '../jwk-input.js'

/**
 * Keys kept by `keys rotate` unless `--keep` says otherwise: the new signing key, the one it
 * replaces (tokens it signed stay valid until they expire), and the one before that, so two
 * rotations inside one token lifetime, or a verifier still holding a cached older set, do not
 * cut off valid tokens.
 */
export const DEFAULT_KEEP = 3

/** The result of one rotation: the new set, newest first, and the keys that fell off the end. */
export interface Rotation {
  keys: JwkObject[]
  dropped: JwkObject[]
}

/**
 * Puts `fresh` first (signers such as `mint` and the test issuer sign with the first key) and
 * keeps at most `keep` keys in all, dropping the oldest, i.e. the last ones. Pure: the caller
 * checks that `fresh` has a kid of its own.
 */
export function rotateKeys(existing: readonly JwkObject[], fresh: JwkObject, keep: number): Rotation {
  const all = [fresh, ...existing]
  return { keys: all.slice(0, keep), dropped: all.slice(keep) }
}
