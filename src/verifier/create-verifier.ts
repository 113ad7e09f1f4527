import { type JWTPayload, jwtVerify } from 'jose'
import { guardedObserver } from '../cache/events.js'
import { MemoryKeySetStore } from '../cache/key-set-store.js'
import { type KeySourceHealth, RemoteKeySource, type WaitUntil } from '../cache/key-source.js'
import { parseCertificateMap } from '../cache/parse-certificates.js'
import { parseEs256PemKey } from '../cache/parse-pem-key.js'
import { PerKidKeySource } from '../cache/per-kid-source.js'
import { assertAlbHeader, isAlbKid } from '../checks/aws-alb.js'
import {
  assertAudience,
  assertIssuer,
  assertScopes,
  assertTokenUse,
  checkTimeClaims,
  joseClaimOptions,
} from '../checks/claims.js'
import { issuerMatches, keyServesIssuer } from '../checks/issuer-rule.js'
import { fromJoseError } from '../checks/jose-errors.js'
import {
  assertCompactJws,
  assertTokenSize,
  isPadded,
  readTokenHeader,
  readUnverifiedPayload,
} from '../checks/token-shape.js'
import { JwtAuthError } from '../errors.js'
import { resolveIssuers, resolveLimits, TOKEN_CACHE_MAX_BYTES, VerifierConfigError } from './config.js'
import { Doorkeeper } from './doorkeeper.js'
import { IssuerSlot } from './issuer-slot.js'
import { checkVerifierOptionNames } from './option-names.js'
import type {
  ClaimsCheck,
  VerifiedToken,
  VerifierEvent,
  VerifierOptions,
  VerifyCallOptions,
} from './options.js'
import { StaticKeySource } from './static-source.js'
import { tokenDigest, VerifiedTokenCache } from './token-cache.js'

export interface Verifier {
  /** Verifies a compact JWS access token; throws `JwtAuthError` with a stable `code`. */
  verify<P extends JWTPayload = JWTPayload>(
    token: string,
    options?: VerifyCallOptions,
  ): Promise<VerifiedToken<P>>
  /** Key-cache state per issuer, for health endpoints. Never holds key material. */
  health(): KeySourceHealth[]
  /** The configured issuers, in configuration order. */
  readonly issuers: readonly string[]
}

interface CachedVerification {
  readonly result: VerifiedToken
  readonly slot: IssuerSlot
  readonly fingerprint: string | undefined
  readonly size: number
}

/**
 * Builds a verifier: options are checked here, once, and the key caches live as long as the
 * verifier does. Build one per process or isolate, never one per request.
 *
 * @example
 * const verifier = createVerifier({ issuer: 'https://idp.example.com', audience: 'https://api.example.com' })
 * const { payload } = await verifier.verify(token)
 */
export function createVerifier(options: VerifierOptions): Verifier {
  checkVerifierOptionNames('createVerifier()', options)
  const limits = resolveLimits(options)
  const now = options.now ?? Date.now
  const fetchImpl = options.fetch ?? ((input, init) => fetch(input, init))
  const store = options.store ?? new MemoryKeySetStore(now)
  const onEvent = guardedObserver<VerifierEvent>(options.onEvent)
  const slots = resolveIssuers(options).map((config) => {
    let source: IssuerSlot['source']
    if (config.keys === 'local') {
      try {
        source = new StaticKeySource(config.issuer, config.jwks, limits.maxKeys)
      } catch (error) {
        throw new VerifierConfigError(`"jwks" of ${config.issuer}: ${(error as Error).message}`, 'jwks')
      }
    } else if (config.alb !== undefined) {
      source = new PerKidKeySource({
        ...limits,
        issuer: config.issuer,
        keysUrl: config.alb.keysUrl,
        isKid: isAlbKid,
        body: 'text',
        parse: parseEs256PemKey,
        fetch: fetchImpl,
        now,
        store,
        onEvent,
      })
    } else {
      source = new RemoteKeySource({
        ...limits,
        issuer: config.issuer,
        jwksUri: config.jwksUri,
        discoveryUrl: config.discoveryUrl,
        ...(config.keyFormat === 'x509-certificates'
          ? { parse: (body: unknown) => parseCertificateMap(body, limits.maxKeys) }
          : {}),
        fetch: fetchImpl,
        now,
        store,
        onEvent,
      })
    }
    return new IssuerSlot(config, source, onEvent)
  })
  // Exact issuers and aliases first: a template never takes a token of a configured issuer, so
  // issuer A's keys never verify a token of an unrelated configured issuer B (docs/verifier.md#verification-policy).
  const byIssuer = new Map(
    slots.flatMap((slot) => slot.policy.issuerRule.exact.map((iss) => [iss, slot] as const)),
  )
  const templates = slots.filter((slot) => slot.policy.issuerRule.template !== undefined)
  const anyAlgorithm = new Set(slots.flatMap((slot) => [...slot.config.algorithms]))
  const padding = slots.some((slot) => slot.config.alb !== undefined) ? 'alb' : 'none'
  const cache =
    limits.tokenCacheSize > 0
      ? new VerifiedTokenCache<CachedVerification>(limits.tokenCacheSize, TOKEN_CACHE_MAX_BYTES)
      : undefined
  const doorkeeper = cache === undefined ? undefined : new Doorkeeper(limits.tokenCacheSize)
  const check: ClaimsCheck | undefined = options.check
  const requiredScopes = options.requiredScopes ?? []
  const defaultWaitUntil = options.waitUntil

  function slotFor(token: string): IssuerSlot {
    const [only] = slots
    if (slots.length === 1 && only !== undefined && byIssuer.size === 1) return only
    const payload = readUnverifiedPayload(token)
    const { iss } = payload
    const slot =
      (typeof iss === 'string' ? byIssuer.get(iss) : undefined) ??
      templates.find((candidate) => issuerMatches(candidate.policy.issuerRule, payload))
    if (slot === undefined) throw new JwtAuthError('ERR_ISSUER_UNKNOWN')
    return slot
  }

  async function runCheck(check: ClaimsCheck, result: VerifiedToken): Promise<void> {
    let ok = false
    try {
      ok = await check(result.payload, result.protectedHeader)
    } catch {
      ok = false
    }
    if (!ok) throw new JwtAuthError('ERR_CLAIM_INVALID')
  }

  async function verifyUncached(
    token: string,
    at: number,
    call: VerifyCallOptions,
    waitUntil: WaitUntil | undefined,
  ) {
    const { header, alg, kid } = readTokenHeader(token)
    if (!anyAlgorithm.has(alg)) throw new JwtAuthError('ERR_ALG_NOT_ALLOWED')
    const slot = slotFor(token)
    const { alb } = slot.config
    // ALB's padding is its own spelling: never accepted for another issuer's token.
    if (alb === undefined && isPadded(token)) throw new JwtAuthError('ERR_TOKEN_MALFORMED')
    if (!slot.config.algorithms.has(alg)) throw new JwtAuthError('ERR_ALG_NOT_ALLOWED')
    if (alb !== undefined) assertAlbHeader(header, alb)
    // A token meant for another resource never makes us fetch (IssuerSlot: assertCouldPass).
    const { key, fingerprint, keyIssuer } = await slot.keyFor(token, alg, kid, at, waitUntil, call.audience)
    let verified: Awaited<ReturnType<typeof jwtVerify>>
    try {
      verified = await jwtVerify(token, key, { algorithms: [alg], ...joseClaimOptions(slot.policy, at) })
    } catch (error) {
      throw fromJoseError(error)
    }
    checkTimeClaims(verified.payload, at, slot.policy)
    assertIssuer(verified.payload, slot.policy)
    // A key that names its issuer (Entra) signs for that issuer only, whatever else it could verify.
    if (!keyServesIssuer(keyIssuer, verified.payload)) throw new JwtAuthError('ERR_KEY_NOT_FOUND')
    assertAudience(verified.payload, slot.policy)
    if (call.audience !== undefined) assertAudience(verified.payload, call.audience)
    assertTokenUse(verified.payload, slot.policy)
    // Frozen: a cached result is handed to every request that carries the same token, so one
    // handler must not be able to change what the next one sees (its scopes, say).
    const result: VerifiedToken = deepFreeze({
      payload: verified.payload,
      protectedHeader: verified.protectedHeader,
      issuer: slot.config.issuer,
      kid,
    })
    return { result, slot, fingerprint }
  }

  async function verify<P extends JWTPayload>(token: string, call: VerifyCallOptions = {}) {
    const waitUntil = call.waitUntil ?? defaultWaitUntil
    let issuer: string | undefined
    try {
      assertTokenSize(token)
      const at = now()
      // Once the cache is full, a token seen for the first time is neither hashed nor admitted
      // (doorkeeper.ts); until then every verified token is, so reuse is served from its second use.
      const cacheable = doorkeeper !== undefined && (doorkeeper.seen(token) || !cache?.isFull(token.length))
      const pendingDigest = cacheable ? tokenDigest(token) : undefined
      const digest = typeof pendingDigest === 'object' ? await pendingDigest : pendingDigest
      const hit = digest === undefined ? undefined : cache?.get(digest)
      let result: VerifiedToken
      if (hit?.slot.isLive(hit.fingerprint, waitUntil)) {
        issuer = hit.result.issuer
        try {
          checkTimeClaims(hit.result.payload, at, hit.slot.policy)
        } catch (error) {
          if (digest !== undefined) cache?.delete(digest)
          throw error
        }
        if (call.audience !== undefined) assertAudience(hit.result.payload, call.audience)
        result = hit.result
      } else {
        // Only here: a hit is byte for byte a token that passed this check before.
        assertCompactJws(token, padding)
        const fresh = await verifyUncached(token, at, call, waitUntil)
        issuer = fresh.result.issuer
        result = fresh.result
        if (digest !== undefined) {
          cache?.set(digest, { result, slot: fresh.slot, fingerprint: fresh.fingerprint, size: token.length })
        }
      }
      if (check !== undefined) await runCheck(check, result)
      const scopes =
        call.requiredScopes === undefined ? requiredScopes : [...requiredScopes, ...call.requiredScopes]
      assertScopes(result.payload, scopes)
      return result as VerifiedToken<P>
    } catch (error) {
      const authError = error instanceof JwtAuthError ? error : new JwtAuthError('ERR_TOKEN_MALFORMED')
      onEvent({ type: 'verify_failed', code: authError.code, issuer })
      throw authError
    }
  }

  return {
    verify,
    health: () => slots.map((slot) => slot.source.health()),
    issuers: slots.map((slot) => slot.config.issuer),
  }
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value)
    for (const member of Object.values(value)) deepFreeze(member)
  }
  return value
}
