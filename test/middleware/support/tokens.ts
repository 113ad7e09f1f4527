import type { TestIssuer } from '../../../src/testing/index.js'

/** Every token the middleware tests send, minted once per issuer. */
export interface Tokens {
  /** `scope: 'read'`, the test issuer's default claims otherwise. */
  valid: string
  /** `scp: ['read', 'admin']` instead of a `scope` string. */
  scpAdmin: string
  /** `scope: 'read admin'`. */
  scopeAdmin: string
  /** `scp: ['read']`: no admin scope, as an array. */
  scpRead: string
  /** `typ: at+jwt` (RFC 9068). */
  atJwt: string
  expired: string
  wrongIssuer: string
  wrongAudience: string
  /** The header and payload of one token with the signature of another. */
  badSignature: string
  /** Signed by the issuer's key but naming a kid the JWKS does not have. */
  unknownKid: string
  /** ES256, which the middleware under test does not allow. */
  es256: string
  /** `alg: none`, unsigned. */
  algNone: string
  /** Three segments of the right alphabet, past the 16 KiB cap. */
  oversized: string
}

const HOUR_SECONDS = 3600
const OVERSIZED_BYTES = 17 * 1024

function base64url(value: unknown): string {
  const bytes = new TextEncoder().encode(JSON.stringify(value))
  let binary = ''
  for (const byte of bytes) binary += String.fromCharCode(byte)
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')
}

/** Mints {@link Tokens}; the issuer must have an RS256 and an ES256 key. */
export async function mintTokens(idp: TestIssuer): Promise<Tokens> {
  const now = Math.floor(Date.now() / 1000)
  const valid = await idp.sign({ scope: 'read' })
  const other = await idp.sign({ scope: 'read', sub: 'user-2' })
  const [header, payload] = valid.split('.')
  const [, , otherSignature] = other.split('.')
  return {
    valid,
    scpAdmin: await idp.sign({ scp: ['read', 'admin'] }),
    scopeAdmin: await idp.sign({ scope: 'read admin' }),
    scpRead: await idp.sign({ scp: ['read'] }),
    atJwt: await idp.sign({ scope: 'read' }, { header: { typ: 'at+jwt' } }),
    expired: await idp.sign({ iat: now - 2 * HOUR_SECONDS, exp: now - HOUR_SECONDS }),
    wrongIssuer: await idp.sign({ iss: 'https://evil.test' }),
    wrongAudience: await idp.sign({ aud: 'https://other-api.test' }),
    badSignature: `${header}.${payload}.${otherSignature}`,
    unknownKid: await idp.sign({}, { kid: 'not-in-the-jwks' }),
    es256: await idp.sign({}, { alg: 'ES256' }),
    algNone: `${base64url({ alg: 'none', typ: 'JWT' })}.${base64url({ iss: idp.issuer, exp: now + HOUR_SECONDS })}.`,
    oversized: `${'a'.repeat(OVERSIZED_BYTES)}.${'b'.repeat(16)}.${'c'.repeat(16)}`,
  }
}
