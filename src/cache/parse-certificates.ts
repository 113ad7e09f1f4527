import { exportJWK, importX509 } from 'jose'
import { isJwksDocument } from '../jwk/public-jwk.js'
import { FetchFailure } from './fetch-failure.js'
import { DOCUMENT, type ParsedJwks, parseJwks } from './parse-jwks.js'

/** The key algorithms a certificate is tried with: WebCrypto needs one to import the key. */
const IMPORT_ALGORITHMS = ['RS256', 'ES256', 'ES384', 'ES512', 'EdDSA'] as const

/**
 * Parses Google's `x509` key documents (Firebase Auth, securetoken): a JSON object mapping
 * each kid to a PEM certificate. Each certificate's public key becomes a JWK with that kid
 * (jose's `importX509`, then `exportJWK`), and the result obeys every rule of a JWK Set
 * ({@link parseJwks}: key checks, limits, "no usable key" is a failed fetch). The certificate's
 * validity dates and signature are not checked: like a JWKS, the document is trusted for its
 * origin, not for a chain. A set already in JWK form (a shared-store copy) is parsed as one.
 */
export async function parseCertificateMap(body: unknown, maxKeys: number): Promise<ParsedJwks> {
  if (isJwksDocument(body)) {
    return parseJwks(body, maxKeys)
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new FetchFailure('body is not a certificate map', DOCUMENT)
  }
  const entries = Object.entries(body)
  if (entries.length > maxKeys) throw new FetchFailure(`more than ${maxKeys} keys`, DOCUMENT)
  const keys: Record<string, unknown>[] = []
  const ignored: ParsedJwks['ignored'] = []
  for (const [kid, pem] of entries) {
    const jwk = typeof pem === 'string' ? await publicJwkOf(pem) : undefined
    if (jwk === undefined) ignored.push({ kid, reason: 'not-a-certificate' })
    else keys.push({ ...jwk, kid, use: 'sig' })
  }
  if (keys.length === 0) throw new FetchFailure('certificate map has no usable certificate', DOCUMENT)
  const parsed = parseJwks({ keys }, maxKeys)
  return { keys: parsed.keys, ignored: [...ignored, ...parsed.ignored] }
}

async function publicJwkOf(pem: string): Promise<Record<string, unknown> | undefined> {
  for (const alg of IMPORT_ALGORITHMS) {
    try {
      const key = await importX509(pem, alg, { extractable: true })
      return { ...(await exportJWK(key)) }
    } catch {
      // Another key type, or not a certificate at all: try the next, then give up.
    }
  }
  return undefined
}
