import { type AsymmetricAlgorithm, isHmacAlgorithm, isSupportedAlgorithm, keyShapeFor } from './algorithms.js'

/** A public JWK as we keep and serve it: only the members of docs/gateway.md#the-public-jwks-well-knownjwksjson, all validated. */
export interface PublicJwk {
  kty: 'RSA' | 'EC' | 'OKP'
  kid?: string
  use?: string
  alg?: string
  key_ops?: string[]
  n?: string
  e?: string
  crv?: string
  x?: string
  y?: string
  x5c?: string[]
  x5t?: string
  'x5t#S256'?: string
  /**
   * The issuer this key signs for, when the JWKS says (Entra; a `{tenantid}` template for common
   * keys). Kept for the verifier only: the public JWKS never serves it.
   */
  issuer?: string
}

/** Members that only a private or symmetric key has (RFC 7518 §6.2.2, §6.3.2, §6.4). */
export const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'] as const

const PUBLIC_MEMBERS = [
  'kty',
  'kid',
  'use',
  'alg',
  'key_ops',
  'n',
  'e',
  'crv',
  'x',
  'y',
  'x5c',
  'x5t',
  'x5t#S256',
] as const

const B64URL = /^[A-Za-z0-9_-]+$/
const B64 = /^[A-Za-z0-9+/]+={0,2}$/

const isString = (value: unknown) => typeof value === 'string'
const isB64url = (value: unknown) => typeof value === 'string' && B64URL.test(value)

/** An array whose every element passes `ok`; a hole counts as `undefined`, so fails. */
function isArrayOf(value: unknown, ok: (item: unknown) => boolean): boolean {
  return Array.isArray(value) && Array.from(value, (item) => ok(item)).every(Boolean)
}

/** One member of a JWKS as fetched, its known members checked; issuers add their own. */
type RawJwk = Omit<PublicJwk, 'kty' | 'issuer'> & { kty: string }

/** What each known member must be when present. */
const MEMBER_SHAPES: Readonly<Record<string, (value: unknown) => boolean>> = {
  kid: (kid) => typeof kid === 'string' && kid.length <= 1024,
  use: isString,
  alg: isString,
  key_ops: (ops) => isArrayOf(ops, isString),
  n: isB64url,
  e: isB64url,
  crv: isString,
  x: isB64url,
  y: isB64url,
  x5c: (chain) => isArrayOf(chain, (certificate) => typeof certificate === 'string' && B64.test(certificate)),
  x5t: isB64url,
  'x5t#S256': isB64url,
}

function hasJwkShape(jwk: Record<string, unknown>): jwk is RawJwk {
  return (
    typeof jwk.kty === 'string' &&
    Object.entries(MEMBER_SHAPES).every(([member, ok]) => jwk[member] === undefined || ok(jwk[member]))
  )
}

/** A JWKS document: an object whose `keys` is an array (RFC 7517 §5). */
export function isJwksDocument(value: unknown): value is { keys: unknown[] } {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    Array.isArray((value as { keys?: unknown }).keys)
  )
}

export type JwkRejection =
  | 'not-an-object'
  | 'private'
  | 'symmetric'
  | 'unsupported-kty'
  | 'missing-members'
  | 'not-for-signing'
  | 'unsupported-alg'

/**
 * Reduces one JWKS member to a public signing key, or says why it cannot be one.
 *
 * By default a key that carries any private member is refused: an issuer whose JWKS leaks
 * private keys is misconfigured and the verifier trusts none of it (docs/verifier.md#how-keys-are-fetched-and-cached). The publisher of
 * §7 passes `stripPrivate`, because its sources may be admin endpoints that hold private keys
 * and only their public halves may leave. Symmetric (`oct`) keys are refused either way.
 */
export function toPublicSigningJwk(
  value: unknown,
  options: { stripPrivate?: boolean } = {},
): PublicJwk | JwkRejection {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'not-an-object'
  if ((value as { kty?: unknown }).kty === 'oct') return 'symmetric'
  if (options.stripPrivate !== true)
    for (const member of PRIVATE_MEMBERS) if (Object.hasOwn(value, member)) return 'private'
  const jwk = value as Record<string, unknown>
  if (!hasJwkShape(jwk)) return 'missing-members'
  if (jwk.kty === 'oct') return 'symmetric'
  if (jwk.kty !== 'RSA' && jwk.kty !== 'EC' && jwk.kty !== 'OKP') return 'unsupported-kty'
  if (jwk.kty === 'RSA' && (jwk.n === undefined || jwk.e === undefined)) return 'missing-members'
  if (jwk.kty === 'EC' && (jwk.crv === undefined || jwk.x === undefined || jwk.y === undefined))
    return 'missing-members'
  if (jwk.kty === 'OKP' && (jwk.crv === undefined || jwk.x === undefined)) return 'missing-members'
  if (jwk.use !== undefined && jwk.use !== 'sig') return 'not-for-signing'
  // The public half of a private key marked `sign` is what verifies (RFC 7517 §4.3).
  const signsPrivately = options.stripPrivate === true && jwk.key_ops?.includes('sign') === true
  if (jwk.key_ops !== undefined && !jwk.key_ops.includes('verify') && !signsPrivately)
    return 'not-for-signing'
  if (jwk.alg !== undefined && (!isSupportedAlgorithm(jwk.alg) || isHmacAlgorithm(jwk.alg)))
    return 'unsupported-alg'
  const out: Record<string, unknown> = {}
  for (const member of PUBLIC_MEMBERS) {
    const v = jwk[member]
    // Arrays are copied: the key kept is never the caller's object.
    if (v !== undefined) out[member] = Array.isArray(v) ? [...v] : v
  }
  if (signsPrivately) out.key_ops = ['verify']
  return out as unknown as PublicJwk
}

/** Whether a public key can verify `alg`: kty/crv must fit, and a JWK `alg` must be equal. */
export function jwkFitsAlgorithm(jwk: PublicJwk, alg: AsymmetricAlgorithm): boolean {
  if (jwk.alg !== undefined && jwk.alg !== alg) return false
  const shape = keyShapeFor(alg)
  if (jwk.kty !== shape.kty) return false
  return shape.crv === undefined || jwk.crv === shape.crv
}
