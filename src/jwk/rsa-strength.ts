import { base64url } from 'jose'
import type { PublicJwk } from './public-jwk.js'

/** Why a well-formed RSA public key is still refused. */
export type RsaWeakness = 'exponent'

/**
 * RSA public keys that must never verify anything, however well-formed their JWK: the public
 * exponent must be odd and at least 3 (RFC 8017 §3.1). With `e = 1` a "signature" is the
 * padded digest itself, so anyone forges tokens for that kid; Node's WebCrypto imports such a
 * key without complaint (catalogue row 22). Undefined: nothing known against the key.
 */
export function rsaWeakness(jwk: PublicJwk): RsaWeakness | undefined {
  if (jwk.kty !== 'RSA' || jwk.e === undefined) return undefined
  const e = base64url.decode(jwk.e)
  const last = e.at(-1) ?? 0
  const significant = e.findIndex((byte) => byte !== 0)
  const atLeastThree = significant !== -1 && (significant < e.length - 1 || last >= 3)
  return atLeastThree && (last & 1) === 1 ? undefined : 'exponent'
}
