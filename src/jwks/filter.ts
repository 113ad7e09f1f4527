import {
  type Algorithm,
  ASYMMETRIC_ALGORITHMS,
  type AsymmetricAlgorithm,
  DEFAULT_ALGORITHMS,
} from '../jwk/algorithms.js'
import { type JwkRejection, jwkFitsAlgorithm, type PublicJwk, toPublicSigningJwk } from '../jwk/public-jwk.js'

/** What may be published; everything else in a source set is dropped (docs/gateway.md#the-public-jwks-well-knownjwksjson). */
export interface JwksFilterRules {
  /**
   * Allowed algorithms. A key that names an `alg` must name one of these; a key without `alg` must
   * fit at least one by `kty`/`crv`. HMAC entries are ignored: `oct` keys are never published.
   * Default: the docs/verifier.md#verification-policy asymmetric set.
   */
  algorithms?: readonly Algorithm[]
  /** Key ids that are never published, whatever their source says. */
  denyKids?: readonly string[]
}

/** Why one member of a source set was left out. */
export type JwksDropReason = JwkRejection | 'not-a-jwks' | 'alg-not-allowed' | 'kid-denied' | 'duplicate'

/** One member of a source set that was left out: its position, its `kid` when it had one, and why. */
export interface DroppedJwk {
  index: number
  kid: string | undefined
  reason: JwksDropReason
}

/** The outcome of filtering one set: what may be published and what was left out. */
export interface JwksFilterResult {
  keys: PublicJwk[]
  dropped: DroppedJwk[]
}

/**
 * Reduces a JWKS to what may be published (docs/gateway.md#the-public-jwks-well-knownjwksjson) and says why each left-out key was dropped.
 * Same rules as {@link filterJwks}; the reasons never carry key material, so callers may log them.
 *
 * @example
 * const { keys, dropped } = partitionJwks(privateSet, { algorithms: ['ES256'] })
 * for (const d of dropped) console.warn(`dropped ${d.kid ?? `#${d.index}`}: ${d.reason}`)
 */
export function partitionJwks(jwks: unknown, rules: JwksFilterRules = {}): JwksFilterResult {
  const keys: PublicJwk[] = []
  const dropped: DroppedJwk[] = []
  const members = jwksMembers(jwks)
  if (members === undefined) return { keys, dropped: [{ index: 0, kid: undefined, reason: 'not-a-jwks' }] }

  const allowed = asymmetricOnly(rules.algorithms ?? DEFAULT_ALGORITHMS)
  const denied = new Set(rules.denyKids ?? [])
  const seen = new Set<string>()

  for (const [index, member] of members.entries()) {
    const jwk = toPublicSigningJwk(member, { stripPrivate: true })
    if (typeof jwk === 'string') {
      dropped.push({ index, kid: kidOf(member), reason: jwk })
      continue
    }
    const reason = rejectionOf(jwk, allowed, denied, seen)
    if (reason !== undefined) {
      dropped.push({ index, kid: jwk.kid, reason })
      continue
    }
    keys.push(jwk)
  }
  return { keys, dropped }
}

/**
 * Reduces a JWKS to what may be published (docs/gateway.md#the-public-jwks-well-knownjwksjson): asymmetric keys (`RSA`, `EC`, `OKP`) with
 * `use` absent or `sig`, an allowed `alg` (or, without one, a `kty`/`crv` that fits an allowed
 * alg), a `kid` not in the deny list, only their public members, each key once (same `kid` and
 * same key material; the first wins). Private members are stripped, never copied; `oct` keys are
 * always dropped. Anything that is not a `{ keys: [...] }` object yields an empty set.
 *
 * Two keys with the same `kid` but different material are both kept: picking one would be a
 * guess, and a verifier answers such a `kid` with `ERR_KEY_AMBIGUOUS` (docs/verifier.md#verification-policy).
 *
 * @example
 * const published = filterJwks(await res.json(), { algorithms: ['RS256', 'ES256'], denyKids: ['old'] })
 */
export function filterJwks(jwks: unknown, rules: JwksFilterRules = {}): { keys: PublicJwk[] } {
  return { keys: partitionJwks(jwks, rules).keys }
}

/** Why a well-formed public signing key is still left out; records it as seen when it is kept. */
function rejectionOf(
  jwk: PublicJwk,
  allowed: readonly AsymmetricAlgorithm[],
  denied: ReadonlySet<string>,
  seen: Set<string>,
): JwksDropReason | undefined {
  if (!allowed.some((alg) => jwkFitsAlgorithm(jwk, alg))) return 'alg-not-allowed'
  if (jwk.kid !== undefined && denied.has(jwk.kid)) return 'kid-denied'
  const identity = identityOf(jwk)
  if (seen.has(identity)) return 'duplicate'
  seen.add(identity)
  return undefined
}

function jwksMembers(jwks: unknown): readonly unknown[] | undefined {
  if (typeof jwks !== 'object' || jwks === null) return undefined
  const keys = (jwks as { keys?: unknown }).keys
  return Array.isArray(keys) ? keys : undefined
}

const ASYMMETRIC = new Set<string>(ASYMMETRIC_ALGORITHMS)

function asymmetricOnly(algorithms: readonly Algorithm[]): AsymmetricAlgorithm[] {
  return algorithms.filter((alg): alg is AsymmetricAlgorithm => ASYMMETRIC.has(alg))
}

/** The `kid` of a member we could not use, for the report only; never any other member. */
function kidOf(member: unknown): string | undefined {
  if (typeof member !== 'object' || member === null) return undefined
  const kid = (member as { kid?: unknown }).kid
  return typeof kid === 'string' ? kid : undefined
}

/**
 * `kid` plus the RFC 7638 required members: two entries equal here are the same published key,
 * whatever else (`alg`, `x5c`, ...) they carry. Synchronous on purpose, so the filter stays a
 * plain function; it is an identity for deduplication, not a thumbprint anyone sees.
 */
function identityOf(jwk: PublicJwk): string {
  return JSON.stringify([
    jwk.kid ?? null,
    jwk.kty,
    jwk.crv ?? null,
    jwk.n ?? null,
    jwk.e ?? null,
    jwk.x ?? null,
    jwk.y ?? null,
  ])
}
