import { randomUUID } from 'node:crypto'
import { calculateJwkThumbprint, type JWK } from 'jose'

/** The `--kid` value that asks for the RFC 7638 thumbprint of the key. */
export const THUMBPRINT_KID = 'thumbprint'

/**
 * The `kid` for a new key. `--kid thumbprint` (the default for asymmetric keys) gives the RFC 7638
 * SHA-256 thumbprint of the public key: stable, unique, and checkable by anyone holding the key.
 * A secret (`oct`) key gets a random UUID by default instead: its thumbprint is a hash of the
 * secret, and a kid travels in every token header.
 */
export async function chooseKid(requested: string | undefined, publicOrSecretJwk: JWK): Promise<string> {
  if (requested === THUMBPRINT_KID || (requested === undefined && publicOrSecretJwk.kty !== 'oct'))
    return calculateJwkThumbprint(publicOrSecretJwk, 'sha256')
  return requested ?? randomUUID()
}
