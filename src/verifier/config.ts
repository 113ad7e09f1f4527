import {
  DEFAULT_COOLDOWN_MS,
  DEFAULT_MAX_BODY_BYTES,
  DEFAULT_MAX_KEYS,
  DEFAULT_MAX_STALE_MS,
  DEFAULT_TIMEOUT_MS,
} from '../cache/limits.js'
import { isFetchableUrl } from '../cache/transport.js'
import {
  type Algorithm,
  DEFAULT_ALGORITHMS,
  type HmacAlgorithm,
  isSupportedAlgorithm,
} from '../jwk/algorithms.js'
import type { ClaimPolicy } from '../verify/claims.js'
import type { HmacSecret, IssuerOptions, VerifierOptions } from './options.js'

/** Clock skew accepted by default (SPEC §3). */
export const DEFAULT_CLOCK_TOLERANCE_SECONDS = 30
export const DEFAULT_TOKEN_CACHE_SIZE = 10_000
/** Summed token length the verified-token cache may hold (a few MB of decoded payloads). */
export const TOKEN_CACHE_MAX_BYTES = 8 * 1024 * 1024

const HMAC_MIN_SECRET_BYTES: Record<HmacAlgorithm, number> = { HS256: 32, HS384: 48, HS512: 64 }

/** One issuer with every default applied and every value checked. */
export interface ResolvedIssuer {
  issuer: string
  jwksUri: string | undefined
  jwks: { keys: readonly unknown[] } | undefined
  algorithms: ReadonlySet<string>
  secrets: readonly { alg: HmacAlgorithm; kid: string | undefined; key: Uint8Array }[]
  policy: ClaimPolicy
}

export interface ResolvedLimits {
  timeoutMs: number
  maxBodyBytes: number
  maxKeys: number
  cooldownMs: number
  maxStaleMs: number
  tokenCacheSize: number
}

/** Thrown at construction for options that cannot work; the message names the option. */
export class VerifierConfigError extends TypeError {
  override readonly name = 'VerifierConfigError'
}

function fail(message: string): never {
  throw new VerifierConfigError(message)
}

function nonNegative(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    fail(`"${name}" option must be a non-negative finite number`)
  }
  return value
}

export function resolveLimits(options: VerifierOptions): ResolvedLimits {
  return {
    timeoutMs: nonNegative('timeoutMs', options.timeoutMs, DEFAULT_TIMEOUT_MS),
    maxBodyBytes: nonNegative('maxBodyBytes', options.maxBodyBytes, DEFAULT_MAX_BODY_BYTES),
    maxKeys: nonNegative('maxKeys', options.maxKeys, DEFAULT_MAX_KEYS),
    cooldownMs: nonNegative('cooldownMs', options.cooldownMs, DEFAULT_COOLDOWN_MS),
    maxStaleMs: nonNegative('maxStaleMs', options.maxStaleMs, DEFAULT_MAX_STALE_MS),
    tokenCacheSize: Math.floor(
      nonNegative('tokenCacheSize', options.tokenCacheSize, DEFAULT_TOKEN_CACHE_SIZE),
    ),
  }
}

export function resolveIssuers(options: VerifierOptions): ResolvedIssuer[] {
  const list = Array.isArray(options.issuer) ? options.issuer : [options.issuer]
  if (list.length === 0) fail('"issuer" option must name at least one issuer')
  if (options.jwksUri !== undefined && list.length !== 1) fail('"jwksUri" option needs exactly one issuer')
  const seen = new Set<string>()
  return list.map((entry: string | IssuerOptions) => {
    const config: IssuerOptions = typeof entry === 'string' ? { issuer: entry } : entry
    if (typeof config.issuer !== 'string' || config.issuer === '') fail('"issuer" must be a non-empty string')
    if (seen.has(config.issuer)) fail(`"issuer" lists ${config.issuer} twice`)
    seen.add(config.issuer)
    return resolveIssuer(config, options, list.length === 1 ? options.jwksUri : undefined)
  })
}

function resolveIssuer(config: IssuerOptions, options: VerifierOptions, sharedJwksUri: string | undefined) {
  const jwksUri = config.jwksUri ?? sharedJwksUri
  const local = config.jwks !== undefined || (config.secrets !== undefined && jwksUri === undefined)
  if (jwksUri !== undefined && !isFetchableUrl(jwksUri)) {
    fail(`"jwksUri" must be https (http only on loopback): ${jwksUri}`)
  }
  if (!local && jwksUri === undefined && !isFetchableUrl(config.issuer)) {
    fail(`"issuer" must be an https URL (http only on loopback) to be discovered: ${config.issuer}`)
  }
  const algorithms = config.algorithms ?? options.algorithms ?? DEFAULT_ALGORITHMS
  for (const alg of algorithms as readonly unknown[]) {
    if (!isSupportedAlgorithm(alg)) fail(`"algorithms" has an unsupported value: ${String(alg)}`)
  }
  const secrets = (config.secrets ?? []).map((secret) => resolveSecret(secret, algorithms))
  const audience = config.audience ?? options.audience
  const tolerance = nonNegative(
    'clockToleranceSeconds',
    options.clockToleranceSeconds,
    DEFAULT_CLOCK_TOLERANCE_SECONDS,
  )
  const requiredClaims = [...(options.requiredClaims ?? [])]
  if (options.requireExp !== false && !requiredClaims.includes('exp')) requiredClaims.push('exp')
  const resolved: ResolvedIssuer = {
    issuer: config.issuer,
    jwksUri,
    jwks: config.jwks,
    algorithms: new Set<string>(algorithms),
    secrets,
    policy: {
      issuer: config.issuer,
      audience:
        audience === undefined ? undefined : typeof audience === 'string' ? [audience] : [...audience],
      clockToleranceSeconds: tolerance,
      typ: options.typ,
      requiredClaims,
      maxTokenAgeSeconds:
        options.maxTokenAgeSeconds === undefined
          ? undefined
          : nonNegative('maxTokenAgeSeconds', options.maxTokenAgeSeconds, 0),
    },
  }
  return resolved
}

function resolveSecret(secret: HmacSecret, algorithms: readonly Algorithm[]) {
  if (!algorithms.includes(secret.alg)) {
    fail(`"secrets" has a ${secret.alg} secret but "algorithms" does not allow ${secret.alg}`)
  }
  const key = typeof secret.secret === 'string' ? new TextEncoder().encode(secret.secret) : secret.secret
  if (key.byteLength < HMAC_MIN_SECRET_BYTES[secret.alg]) {
    fail(`"secrets": a ${secret.alg} secret needs at least ${HMAC_MIN_SECRET_BYTES[secret.alg]} bytes`)
  }
  return { alg: secret.alg, kid: secret.kid, key }
}
