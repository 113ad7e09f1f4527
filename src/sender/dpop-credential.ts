import { JwtAuthError } from '../errors.js'

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
  let token: string | undefined
  let credentials = 0
  for (const value of authorization) {
    for (const part of value.split(',')) {
      const credential = part.trim()
      if (credential === '') continue
      credentials += 1
      const scheme = DPOP_SCHEME.exec(credential)
      if (scheme === null) continue
      if (token !== undefined) throw new JwtAuthError('ERR_REQUEST_INVALID', { scheme: 'DPoP' })
      token = credential.slice(scheme[0].length).trim()
    }
  }
  if (token === undefined) return undefined
  if (token === '' || credentials > 1) throw new JwtAuthError('ERR_REQUEST_INVALID', { scheme: 'DPoP' })
  return token
}
