/** Asymmetric JWS algorithms the verifier can use with keys from a JWKS (docs/verifier.md#verification-policy). */
export const ASYMMETRIC_ALGORITHMS = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
] as const

/** HMAC algorithms: only ever with a secret configured locally, never from a JWKS. */
export const HMAC_ALGORITHMS = ['HS256', 'HS384', 'HS512'] as const

export type AsymmetricAlgorithm = (typeof ASYMMETRIC_ALGORITHMS)[number]
export type HmacAlgorithm = (typeof HMAC_ALGORITHMS)[number]
export type Algorithm = AsymmetricAlgorithm | HmacAlgorithm

/** The default allow-list: every asymmetric algorithm, never `none`, never HMAC. */
export const DEFAULT_ALGORITHMS: readonly Algorithm[] = ASYMMETRIC_ALGORITHMS

const SUPPORTED = new Set<string>([...ASYMMETRIC_ALGORITHMS, ...HMAC_ALGORITHMS])

export function isSupportedAlgorithm(alg: unknown): alg is Algorithm {
  return typeof alg === 'string' && SUPPORTED.has(alg)
}

export function isHmacAlgorithm(alg: string): alg is HmacAlgorithm {
  return alg === 'HS256' || alg === 'HS384' || alg === 'HS512'
}

/** The key type (and curve) an algorithm needs; RFC 7518 §3, RFC 8037 §3.1. */
export interface KeyShape {
  kty: 'RSA' | 'EC' | 'OKP' | 'oct'
  crv?: string
}

const SHAPES: Record<Algorithm, KeyShape> = {
  RS256: { kty: 'RSA' },
  RS384: { kty: 'RSA' },
  RS512: { kty: 'RSA' },
  PS256: { kty: 'RSA' },
  PS384: { kty: 'RSA' },
  PS512: { kty: 'RSA' },
  ES256: { kty: 'EC', crv: 'P-256' },
  ES384: { kty: 'EC', crv: 'P-384' },
  ES512: { kty: 'EC', crv: 'P-521' },
  EdDSA: { kty: 'OKP', crv: 'Ed25519' },
  HS256: { kty: 'oct' },
  HS384: { kty: 'oct' },
  HS512: { kty: 'oct' },
}

export function keyShapeFor(alg: Algorithm): KeyShape {
  return SHAPES[alg]
}
