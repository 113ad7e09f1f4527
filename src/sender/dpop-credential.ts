import { JwtAuthError } from '../errors.js'
import { credentialsIn } from '../http/grammar.js'

/** The `DPoP` auth-scheme (RFC 9449 §7.1), case-insensitive (RFC 9110 §11.1). */
const DPOP_SCHEME = /^dpop(?=[ \t]|$)/i

/**
 * The token of an `Authorization: DPoP <token>` credential, or undefined when there is none.
 * Throws `ERR_REQUEST_INVALID` for an empty one or for a DPoP credential next to any other
 * (two DPoP tokens, or DPoP and Bearer): a request proves one token, once.
 *
 * @example
 * readDpopCredential(['DPoP eyJ...']) // 'eyJ...'
 */
export function readDpopCredential(authorization: readonly string[]): string | undefined {
  const { tokens, credentials } = credentialsIn(authorization, DPOP_SCHEME)
  const [token] = tokens
  if (token === undefined) return undefined
  if (tokens.length > 1 || token === '' || credentials > 1) {
    throw new JwtAuthError('ERR_REQUEST_INVALID', { scheme: 'DPoP' })
  }
  return token
}
