import { exportSPKI, importJWK, type JWK } from 'jose'

/**
 * A minimal self-signed X.509 v3 certificate (RFC 5280) for an RSA key, DER built by hand and
 * signed with WebCrypto: enough to put a chain "matching the signing key" in an `x5c` header
 * (docs/SECURITY.md row 11) in workerd as well as in Node, where nothing can issue certificates.
 */

const concat = (...parts: Uint8Array[]): Uint8Array<ArrayBuffer> => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0))
  let at = 0
  for (const part of parts) {
    out.set(part, at)
    at += part.length
  }
  return out
}

function length(n: number): Uint8Array {
  if (n < 0x80) return Uint8Array.of(n)
  const bytes: number[] = []
  for (let v = n; v > 0; v >>= 8) bytes.unshift(v & 0xff)
  return Uint8Array.of(0x80 | bytes.length, ...bytes)
}

const tlv = (tag: number, ...content: Uint8Array[]) => {
  const body = concat(...content)
  return concat(Uint8Array.of(tag), length(body.length), body)
}
const seq = (...items: Uint8Array[]) => tlv(0x30, ...items)
const text = (s: string) => new TextEncoder().encode(s)

/** sha256WithRSAEncryption (1.2.840.113549.1.1.11) with NULL parameters. */
const SHA256_WITH_RSA = seq(
  Uint8Array.of(0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0b),
  Uint8Array.of(0x05, 0x00),
)

const name = (cn: string) =>
  seq(tlv(0x31, seq(Uint8Array.of(0x06, 0x03, 0x55, 0x04, 0x03), tlv(0x0c, text(cn)))))

function spkiDer(pem: string): Uint8Array {
  const body = pem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, '')
  return Uint8Array.from(atob(body), (c) => c.charCodeAt(0))
}

/** A self-signed certificate for the RSA key pair `privateJwk`, as the base64 DER of `x5c`. */
export async function selfSignedCertificate(privateJwk: JWK, commonName: string): Promise<string> {
  const { d: _d, p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, ...publicJwk } = privateJwk
  const publicKey = (await importJWK(publicJwk, 'RS256', { extractable: true })) as CryptoKey
  const signingKey = (await importJWK(privateJwk, 'RS256')) as CryptoKey
  const tbs = seq(
    tlv(0xa0, tlv(0x02, Uint8Array.of(2))),
    tlv(0x02, Uint8Array.of(0x01, 0x23, 0x45, 0x67)),
    SHA256_WITH_RSA,
    name(commonName),
    seq(tlv(0x17, text('260101000000Z')), tlv(0x17, text('361231235959Z'))),
    name(commonName),
    spkiDer(await exportSPKI(publicKey)),
  )
  const signature = new Uint8Array(await crypto.subtle.sign({ name: 'RSASSA-PKCS1-v1_5' }, signingKey, tbs))
  const der = seq(tbs, SHA256_WITH_RSA, tlv(0x03, Uint8Array.of(0), signature))
  let binary = ''
  for (const byte of der) binary += String.fromCharCode(byte)
  return btoa(binary)
}
