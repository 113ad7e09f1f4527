import { base64url, type JWK } from 'jose'

/**
 * Textbook RSA with BigInt, test-only: WebCrypto pads for us, so a malformed PKCS#1 v1.5
 * encoding (docs/SECURITY.md row 21) or a key of a chosen structure (row 22, ROCA) can only be made by
 * doing the private-key operation ourselves. Slow and not constant-time, which is fine here.
 */

export function bigintOf(bytes: Uint8Array): bigint {
  let hex = ''
  for (const byte of bytes) hex += byte.toString(16).padStart(2, '0')
  return hex === '' ? 0n : BigInt(`0x${hex}`)
}

export function bytesOf(value: bigint, length: number): Uint8Array {
  const hex = value.toString(16).padStart(length * 2, '0')
  if (hex.length > length * 2) throw new RangeError('value does not fit')
  const out = new Uint8Array(length)
  for (let i = 0; i < length; i++) out[i] = Number.parseInt(hex.slice(i * 2, i * 2 + 2), 16)
  return out
}

const fromB64 = (value: string | undefined): bigint => {
  if (value === undefined) throw new Error('missing JWK member')
  return bigintOf(base64url.decode(value))
}
const toB64 = (value: bigint): string => {
  const hex = value.toString(16)
  return base64url.encode(bytesOf(value, Math.ceil(hex.length / 2)))
}

export function modPow(base: bigint, exponent: bigint, modulus: bigint): bigint {
  let result = 1n
  let b = base % modulus
  let e = exponent
  while (e > 0n) {
    if ((e & 1n) === 1n) result = (result * b) % modulus
    e >>= 1n
    b = (b * b) % modulus
  }
  return result
}

function modInverse(a: bigint, m: bigint): bigint {
  let [r0, r1] = [a % m, m]
  let [s0, s1] = [1n, 0n]
  while (r1 !== 0n) {
    const q = r0 / r1
    ;[r0, r1] = [r1, r0 - q * r1]
    ;[s0, s1] = [s1, s0 - q * s1]
  }
  if (r0 !== 1n) throw new RangeError('not invertible')
  return ((s0 % m) + m) % m
}

const gcd = (a: bigint, b: bigint): bigint => (b === 0n ? a : gcd(b, a % b))

/** m^d mod n with the private JWK (CRT when p, q... are there). */
export function rsaPrivate(jwk: JWK, message: bigint): bigint {
  const n = fromB64(jwk.n)
  if (jwk.p !== undefined && jwk.q !== undefined && jwk.dp !== undefined && jwk.dq !== undefined) {
    const [p, q, dp, dq, qi] = [jwk.p, jwk.q, jwk.dp, jwk.dq, jwk.qi].map(fromB64) as bigint[]
    const m1 = modPow(message, dp as bigint, p as bigint)
    const m2 = modPow(message, dq as bigint, q as bigint)
    const h = ((qi as bigint) * (((m1 - m2) % (p as bigint)) + (p as bigint))) % (p as bigint)
    return (m2 + h * (q as bigint)) % n
  }
  return modPow(message, fromB64(jwk.d), n)
}

/** DER DigestInfo prefix for SHA-256 (RFC 8017 §9.2 note 1). */
export const SHA256_DIGEST_INFO = Uint8Array.from([
  0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04,
  0x20,
])

/** EMSA-PKCS1-v1_5 of `t` (DigestInfo ‖ hash, or anything else) for a `k`-byte modulus. */
export function pkcs1Encode(t: Uint8Array, k: number, blockType = 0x01): Uint8Array {
  if (t.length > k - 11) throw new RangeError('T too long')
  const em = new Uint8Array(k)
  em[1] = blockType
  em.fill(0xff, 2, k - t.length - 1)
  em.set(t, k - t.length)
  return em
}

export async function sha256(data: string): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(data)))
}

/** Signs an encoded message `em` (already padded) with the raw private operation. */
export function rawSign(jwk: JWK, em: Uint8Array): Uint8Array {
  const k = base64url.decode(jwk.n ?? '').length
  return bytesOf(rsaPrivate(jwk, bigintOf(em)), k)
}

// --- ROCA (CVE-2017-15361): primes of the form k·M + (65537^a mod M) -------------------------

function smallPrimes(limit: number): bigint[] {
  const out: number[] = []
  for (let c = 2; c <= limit; c++) if (out.every((p) => c % p !== 0)) out.push(c)
  return out.map(BigInt)
}

/** The primorial of the primes up to 167: the smallest M of the ROCA paper (39 primes). */
const ROCA_M = smallPrimes(167).reduce((a, b) => a * b, 1n)

function randomBigint(bits: number): bigint {
  const bytes = crypto.getRandomValues(new Uint8Array(Math.ceil(bits / 8)))
  return bigintOf(bytes) >> BigInt(bytes.length * 8 - bits)
}

const MR_BASES = [2n, 3n, 5n, 7n, 11n, 13n, 17n, 19n, 23n, 29n, 31n, 37n]

function probablyPrime(n: bigint): boolean {
  let d = n - 1n
  let s = 0
  while ((d & 1n) === 0n) {
    d >>= 1n
    s++
  }
  witness: for (const a of MR_BASES) {
    let x = modPow(a, d, n)
    if (x === 1n || x === n - 1n) continue
    for (let r = 1; r < s; r++) {
      x = (x * x) % n
      if (x === n - 1n) continue witness
    }
    return false
  }
  return true
}

/** A 1024-bit prime with the ROCA structure (top two bits set, so p·q has 2048 bits). */
function rocaPrime(): bigint {
  const low = 3n << 1022n
  const generator = 65537n
  for (;;) {
    const k = (low + randomBigint(1022)) / ROCA_M
    const p = k * ROCA_M + modPow(generator, BigInt(1 + Math.floor(Math.random() * 1e6)), ROCA_M)
    if (p >> 1022n === 3n && (p - 1n) % generator !== 0n && probablyPrime(p)) return p
  }
}

/**
 * A real 2048-bit RSA private JWK whose primes have the ROCA structure: what an Infineon chip
 * of 2012–2017 made, and what an attacker can factor. Takes about a second.
 */
export function rocaPrivateJwk(kid: string): JWK {
  const p = rocaPrime()
  let q = rocaPrime()
  while (q === p) q = rocaPrime()
  const e = 65537n
  const lambda = ((p - 1n) * (q - 1n)) / gcd(p - 1n, q - 1n)
  const d = modInverse(e, lambda)
  return {
    kty: 'RSA',
    kid,
    alg: 'RS256',
    n: toB64(p * q),
    e: toB64(e),
    d: toB64(d),
    p: toB64(p),
    q: toB64(q),
    dp: toB64(d % (p - 1n)),
    dq: toB64(d % (q - 1n)),
    qi: toB64(modInverse(q, p)),
  }
}

/** The public half of a private RSA JWK. */
export function publicHalf(jwk: JWK): JWK {
  const { kty, kid, alg, n, e } = jwk
  return {
    kty,
    ...(kid === undefined ? {} : { kid }),
    ...(alg === undefined ? {} : { alg }),
    use: 'sig',
    n,
    e,
  } as JWK
}
