import {
  createPrivateKey,
  createPublicKey,
  type JsonWebKeyInput,
  type KeyObject,
  X509Certificate,
} from 'node:crypto'
import { inputError } from '../errors.js'
import { hasSecretMembers, type JwkObject } from '../jwk-input.js'

/** PEM encodings `jwk2pem` writes. `cert` prints the key's `x5c` chain. */
export const PEM_FORMATS = ['pkcs8', 'spki', 'pkcs1', 'sec1', 'cert'] as const
export type PemFormat = (typeof PEM_FORMATS)[number]

export interface JwkToPemOptions {
  /** Default: `pkcs8` for a private key, `spki` for a public one (or with `publicOnly`). */
  format?: PemFormat
  /** Write the public half of a private key. Implied by `spki` and `cert`. */
  publicOnly?: boolean
}

/** PEM text, and whether it holds private key material (the output file is then mode 0600). */
export interface PemOutput {
  pem: string
  isPrivate: boolean
}

/**
 * Converts a JWK to PEM with node:crypto: PKCS#8 or SEC1 (`EC PRIVATE KEY`) or PKCS#1
 * (`RSA PRIVATE KEY`) for private keys; SPKI or PKCS#1 (`RSA PUBLIC KEY`) for public ones.
 * Members node:crypto does not know (`kid`, `alg`, `use`, `x5c`) are ignored.
 */
export function jwkToPem(jwk: JwkObject, name: string, options: JwkToPemOptions = {}): PemOutput {
  if (jwk.kty === 'oct') throw inputError(`${name}: an oct key is a shared secret and has no PEM form`)
  if (options.format === 'cert') return { pem: certificatePem(jwk, name), isPrivate: false }
  const hasPrivate = hasSecretMembers(jwk)
  const format = options.format ?? (hasPrivate && options.publicOnly !== true ? 'pkcs8' : 'spki')
  const wantsPrivate =
    format === 'pkcs8' ||
    format === 'sec1' ||
    (format === 'pkcs1' && hasPrivate && options.publicOnly !== true)
  if (wantsPrivate && !hasPrivate)
    throw inputError(
      `${name}: --format ${format} holds a private key, and this JWK is public; use spki${jwk.kty === 'RSA' ? ' or pkcs1' : ''}`,
    )
  if (wantsPrivate && options.publicOnly === true)
    throw inputError(`--public and --format ${format} contradict each other: ${format} holds a private key`)
  if (format === 'pkcs1' && jwk.kty !== 'RSA')
    throw inputError(`--format pkcs1 is for RSA keys only; this is ${jwk.kty}`)
  if (format === 'sec1' && jwk.kty !== 'EC')
    throw inputError(`--format sec1 is for EC keys only; this is ${jwk.kty}`)

  const key = importJwk(jwk, name, wantsPrivate)
  const pem = key.export({ type: format as 'pkcs8' | 'spki' | 'pkcs1' | 'sec1', format: 'pem' })
  return { pem: typeof pem === 'string' ? pem : pem.toString('utf8'), isPrivate: wantsPrivate }
}

function importJwk(jwk: JwkObject, name: string, asPrivate: boolean): KeyObject {
  const input = { key: jwk, format: 'jwk' } as JsonWebKeyInput
  try {
    // A private JWK also yields its public half: createPublicKey derives it.
    return asPrivate ? createPrivateKey(input) : createPublicKey(input)
  } catch {
    throw inputError(`${name}: not a valid ${jwk.kty} JWK (missing or malformed key members)`)
  }
}

function certificatePem(jwk: JwkObject, name: string): string {
  const chain = jwk.x5c
  if (!Array.isArray(chain) || chain.length === 0)
    throw inputError(`${name}: --format cert needs a JWK with "x5c"`)
  return chain
    .map((der, index) => {
      try {
        return new X509Certificate(Buffer.from(String(der), 'base64')).toString()
      } catch {
        throw inputError(`${name}: x5c[${index}] is not a certificate`)
      }
    })
    .join('')
}
