import { exportJWK, importSPKI } from 'jose'
import { isJwksDocument } from '../jwk/public-jwk.js'
import { FetchFailure } from './fetch-failure.js'
import { DOCUMENT, type ParsedJwks, parseJwks } from './parse-jwks.js'

/** A PEM public key is a few hundred bytes; anything longer is not one. */
const MAX_PEM_LENGTH = 8 * 1024

/**
 * Parses the one key an AWS Application Load Balancer publishes per kid
 * (`https://public-keys.auth.elb.{region}.amazonaws.com/{kid}`): an EC P-256 public key in PEM
 * (SubjectPublicKeyInfo). It becomes a one-key set `{ kid, alg: 'ES256', use: 'sig' }` that obeys
 * every rule of a JWK Set ({@link parseJwks}). The kid is the one in the URL: the PEM names none.
 * A stored copy, already a JWK Set, is parsed as one.
 */
export async function parseEs256PemKey(body: unknown, kid: string): Promise<ParsedJwks> {
  if (isJwksDocument(body)) {
    return parseJwks(body, 1)
  }
  if (typeof body !== 'string' || body.length > MAX_PEM_LENGTH) {
    throw new FetchFailure('body is not a PEM public key', DOCUMENT)
  }
  let jwk: Record<string, unknown>
  try {
    jwk = { ...(await exportJWK(await importSPKI(body.trim(), 'ES256', { extractable: true }))) }
  } catch {
    throw new FetchFailure('body is not a P-256 PEM public key', DOCUMENT)
  }
  return parseJwks({ keys: [{ ...jwk, kid, alg: 'ES256', use: 'sig' }] }, 1)
}
