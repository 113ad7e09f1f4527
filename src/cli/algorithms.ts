import { InvalidArgumentError } from 'commander'
import {
  type Algorithm,
  ASYMMETRIC_ALGORITHMS,
  HMAC_ALGORITHMS,
  isSupportedAlgorithm,
  keyShapeFor,
} from '../jwk/algorithms.js'

/** Every algorithm the CLI makes keys and tokens for: docs/verifier.md#verification-policy plus the HMAC ones. */
export const CLI_ALGORITHMS: readonly Algorithm[] = [...ASYMMETRIC_ALGORITHMS, ...HMAC_ALGORITHMS]

/**
 * Spellings accepted besides the exact names. `Ed25519` is the fully-specified name (RFC 9864)
 * for what docs/verifier.md#verification-policy and our verifier call `EdDSA`; keys we write always say `EdDSA`.
 */
const ALIASES: Record<string, Algorithm> = { ED25519: 'EdDSA' }

const BY_UPPER_NAME = new Map<string, Algorithm>(CLI_ALGORITHMS.map((alg) => [alg.toUpperCase(), alg]))

/** Parses an `--alg` value, case-insensitively. Commander reports the error as bad usage (exit 2). */
export function parseAlgorithm(value: string): Algorithm {
  const upper = value.trim().toUpperCase()
  const alg = BY_UPPER_NAME.get(upper) ?? ALIASES[upper]
  if (alg !== undefined) return alg
  if (upper === 'NONE') throw new InvalidArgumentError('alg "none" is never allowed.')
  throw new InvalidArgumentError(`unknown algorithm; expected one of ${CLI_ALGORITHMS.join(', ')}.`)
}

/** Parses a comma-separated allow-list such as `RS256,ES256`. */
export function parseAlgorithmList(value: string): Algorithm[] {
  const list = value
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '')
  if (list.length === 0) throw new InvalidArgumentError('expected at least one algorithm.')
  return [...new Set(list.map(parseAlgorithm))]
}

/** The members of a JWK that say what it is; enough to pick or check an algorithm. */
export interface KeyTypeMembers {
  kty?: unknown
  crv?: unknown
  alg?: unknown
}

/** Whether a JWK's `kty`/`crv` is the shape `alg` needs (RFC 7518 §3, RFC 8037 §3.1). */
export function keyFitsAlgorithm(jwk: KeyTypeMembers, alg: Algorithm): boolean {
  const shape = keyShapeFor(alg)
  return jwk.kty === shape.kty && (shape.crv === undefined || jwk.crv === shape.crv)
}

const BY_CURVE: Record<string, Algorithm> = {
  'P-256': 'ES256',
  'P-384': 'ES384',
  'P-521': 'ES512',
  Ed25519: 'EdDSA',
}

/**
 * The algorithm a key is for: its own `alg` when we support it, else the only one its curve
 * allows. RSA and `oct` keys without `alg` fit several algorithms, so there is no answer: we do
 * not guess between RS256 and PS512.
 */
export function algorithmOf(jwk: KeyTypeMembers): Algorithm | undefined {
  if (isSupportedAlgorithm(jwk.alg)) return jwk.alg
  if (jwk.alg !== undefined) return undefined
  return typeof jwk.crv === 'string' ? BY_CURVE[jwk.crv] : undefined
}
