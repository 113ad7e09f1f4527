import { isJwksDocument, type PublicJwk, toPublicSigningJwk } from '../jwk/public-jwk.js'
import { FetchFailure } from './fetch-failure.js'

/** A body that is JSON but not a key set we can use. */
export const DOCUMENT = { kind: 'document' } as const

export interface ParsedJwks {
  keys: PublicJwk[]
  /** Members left out, with why (an `enc` key, an unknown kty...). Reported, not fatal. */
  ignored: { kid: string | undefined; reason: string }[]
}

/**
 * Turns a fetched body into the keys we will trust, or a FetchFailure so that the last good
 * set stays in place (docs/verifier.md#how-keys-are-fetched-and-cached "bad JWKS"). A set that publishes private key material is refused
 * whole: such an issuer is misconfigured, and the fix is theirs, not a guess of ours. Symmetric
 * (`oct`) keys are only ignored (docs/verifier.md#verification-policy): HMAC keys come from local configuration alone.
 */
export function parseJwks(body: unknown, maxKeys: number): ParsedJwks {
  if (!isJwksDocument(body)) throw new FetchFailure('body is not a JWK Set', DOCUMENT)
  const members = body.keys
  if (members.length > maxKeys) throw new FetchFailure(`more than ${maxKeys} keys`, DOCUMENT)
  const keys: PublicJwk[] = []
  const ignored: ParsedJwks['ignored'] = []
  for (const member of members) {
    const result = toPublicSigningJwk(member)
    if (result === 'private') throw new FetchFailure('JWK Set contains private key material', DOCUMENT)
    if (typeof result === 'string') ignored.push({ kid: kidOf(member), reason: result })
    else keys.push(withIssuer(result, member))
  }
  if (keys.length === 0) throw new FetchFailure('JWK Set has no usable signing key', DOCUMENT)
  return { keys, ignored }
}

/** Keeps a string `issuer` member (Entra) beside the public members, for key scoping. */
function withIssuer(key: PublicJwk, member: unknown): PublicJwk {
  const issuer = (member as { issuer?: unknown }).issuer
  return typeof issuer === 'string' ? { ...key, issuer } : key
}

function kidOf(member: unknown): string | undefined {
  const kid = typeof member === 'object' && member !== null ? (member as { kid?: unknown }).kid : undefined
  return typeof kid === 'string' ? kid : undefined
}
