import { base64url, importJWK, type JWK } from 'jose'
import type { TestIssuer } from '../../../src/testing/index.js'

/**
 * Hand-made tokens for the rows of docs/SECURITY.md: chosen header and payload bytes (duplicate members, bad
 * UTF-8, `1e309`), signed with the test issuer's real private key through WebCrypto, so a
 * rejection is the verifier's doing and never a broken signature we did not mean.
 */

const encoder = new TextEncoder()

export const b64 = (bytes: Uint8Array | string): string =>
  base64url.encode(typeof bytes === 'string' ? encoder.encode(bytes) : bytes)

export const b64json = (value: unknown): string => b64(JSON.stringify(value))

/** A compact token from parts; the signature segment defaults to a few meaningless bytes. */
export function forge(header: unknown, payload: unknown, signature = 'c2lnbmF0dXJl'): string {
  return `${b64json(header)}.${b64json(payload)}.${signature}`
}

/** Valid default claims for `idp` at `nowMs`, as the verifier under test expects them. */
export function claims(idp: TestIssuer, nowMs: number, extra: Record<string, unknown> = {}) {
  const iat = Math.floor(nowMs / 1000)
  return { iss: idp.issuer, aud: idp.audience, sub: 'user-1', iat, exp: iat + 300, ...extra }
}

type Part = string | Uint8Array | Record<string, unknown> | unknown[]

function bytesOf(part: Part): Uint8Array {
  if (part instanceof Uint8Array) return part
  return encoder.encode(typeof part === 'string' ? part : JSON.stringify(part))
}

const PARAMS: Record<string, { sign: AlgorithmIdentifier | EcdsaParams | RsaPssParams }> = {
  RS256: { sign: { name: 'RSASSA-PKCS1-v1_5' } },
  ES256: { sign: { name: 'ECDSA', hash: 'SHA-256' } as EcdsaParams },
  PS256: { sign: { name: 'RSA-PSS', saltLength: 32 } as RsaPssParams },
}

/** The private JWK of one of the issuer's keys (the first one with `alg` by default). */
export function privateJwk(idp: TestIssuer, alg: string, kid?: string): JWK {
  const jwk = idp.privateJwks().keys.find((k) => k.alg === alg && (kid === undefined || k.kid === kid))
  if (jwk === undefined) throw new Error(`the test issuer has no ${alg} key`)
  return jwk
}

/**
 * Signs raw header and payload bytes (strings are taken verbatim, objects are JSON) with the
 * issuer's `alg` key. The header is not touched: duplicate members and odd types survive.
 */
export async function signRaw(idp: TestIssuer, alg: SignAlg, header: Part, payload: Part) {
  const input = `${b64(bytesOf(header))}.${b64(bytesOf(payload))}`
  return `${input}.${await signInput(idp, alg, input)}`
}

export type SignAlg = 'RS256' | 'ES256' | 'PS256'

/** The base64url signature of an arbitrary signing input (e.g. an RFC 7797 unencoded payload). */
export async function signInput(idp: TestIssuer, alg: SignAlg, input: string): Promise<string> {
  const params = PARAMS[alg]
  if (params === undefined) throw new Error(`no WebCrypto parameters for ${alg}`)
  const key = (await importJWK(privateJwk(idp, alg), alg)) as CryptoKey
  return b64(new Uint8Array(await crypto.subtle.sign(params.sign, key, encoder.encode(input))))
}

/** An HS256 token keyed with `secret` (any bytes): the algorithm-confusion attacker's tool. */
export async function hmacToken(header: Record<string, unknown>, payload: unknown, secret: Uint8Array) {
  const key = await crypto.subtle.importKey(
    'raw',
    Uint8Array.from(secret),
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    ['sign'],
  )
  const input = `${b64json({ alg: 'HS256', ...header })}.${b64json(payload)}`
  const mac = await crypto.subtle.sign('HMAC', key, encoder.encode(input))
  return `${input}.${b64(new Uint8Array(mac))}`
}

/** Splits a compact token; throws on anything but three segments (our own tokens only). */
export function parts(token: string): [string, string, string] {
  const [h, p, s, ...rest] = token.split('.')
  if (h === undefined || p === undefined || s === undefined || rest.length > 0) throw new Error('not a JWS')
  return [h, p, s]
}

/** The token with its signature segment replaced by `bytes`. */
export function withSignature(token: string, bytes: Uint8Array): string {
  const [h, p] = parts(token)
  return `${h}.${p}.${b64(bytes)}`
}

export function signatureOf(token: string): Uint8Array {
  return base64url.decode(parts(token)[2])
}
