import {
  DEFAULT_COOLDOWN_MS,
  integerOption,
  type KeyCacheLimits,
  resolveKeyCacheLimits,
} from '../cache/limits.js'
import { isFetchableUrl, urlWithoutSecrets } from '../cache/transport.js'
import type { ClaimPolicy } from '../checks/claims.js'
import { TENANT_PLACEHOLDER } from '../checks/issuer-rule.js'
import { VerifierConfigError } from '../errors.js'
import {
  type Algorithm,
  DEFAULT_ALGORITHMS,
  type HmacAlgorithm,
  isSupportedAlgorithm,
} from '../jwk/algorithms.js'
import type { HmacSecret, IssuerOptions, KeyFormat, VerifierOptions } from './options.js'

export { VerifierConfigError } from '../errors.js'

/** Clock skew accepted by default (docs/verifier.md#verification-policy). */
export const DEFAULT_CLOCK_TOLERANCE_SECONDS = 30
const DEFAULT_TOKEN_CACHE_SIZE = 10_000
/** Summed token length the verified-token cache may hold (a few MB of decoded payloads). */
export const TOKEN_CACHE_MAX_BYTES = 8 * 1024 * 1024

const HMAC_MIN_SECRET_BYTES: Record<HmacAlgorithm, number> = { HS256: 32, HS384: 48, HS512: 64 }

/** One issuer with every default applied and every value checked. */
export interface ResolvedIssuer {
  issuer: string
  /** Where the keys come from: configuration only (a static set, HMAC secrets), or the issuer. */
  keys: 'local' | 'remote'
  jwksUri: string | undefined
  keyFormat: KeyFormat
  discoveryUrl: string | undefined
  jwks: { keys: readonly unknown[] } | undefined
  algorithms: ReadonlySet<string>
  secrets: readonly { alg: HmacAlgorithm; kid: string | undefined; key: Uint8Array }[]
  policy: ClaimPolicy
}

/** The key-cache limits shared with the publisher, plus the verifier's own. */
export interface ResolvedLimits extends KeyCacheLimits {
  cooldownMs: number
  tokenCacheSize: number
}

function fail(message: string, option: string): never {
  throw new VerifierConfigError(message, option)
}

function nonNegative(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    fail(`"${name}" option must be a non-negative finite number`, name)
  }
  return value
}

export function resolveLimits(options: VerifierOptions): ResolvedLimits {
  return {
    ...resolveKeyCacheLimits(options),
    cooldownMs: integerOption('cooldownMs', options.cooldownMs, DEFAULT_COOLDOWN_MS, 0),
    tokenCacheSize: integerOption('tokenCacheSize', options.tokenCacheSize, DEFAULT_TOKEN_CACHE_SIZE, 0),
  }
}

export function resolveIssuers(options: VerifierOptions): ResolvedIssuer[] {
  const list = Array.isArray(options.issuer) ? options.issuer : [options.issuer]
  if (list.length === 0) fail('"issuer" option must name at least one issuer', 'issuer')
  if (options.jwksUri !== undefined && list.length !== 1)
    fail('"jwksUri" option needs exactly one issuer', 'jwksUri')
  const seen = new Set<string>()
  return list.map((entry: string | IssuerOptions) => {
    const config: IssuerOptions = typeof entry === 'string' ? { issuer: entry } : entry
    if (typeof config.issuer !== 'string' || config.issuer === '')
      fail('"issuer" must be a non-empty string', 'issuer')
    const aliases = config.issuerAliases ?? []
    if (!Array.isArray(aliases) || !aliases.every((alias) => typeof alias === 'string' && alias !== '')) {
      fail('"issuerAliases" must be a list of non-empty strings', 'issuerAliases')
    }
    for (const name of [config.issuer, ...aliases]) {
      if (seen.has(name)) fail(`"issuer" lists ${name} twice (as an issuer or an alias)`, 'issuer')
      seen.add(name)
    }
    return resolveIssuer(config, options, list.length === 1 ? options.jwksUri : undefined)
  })
}

function resolveIssuer(config: IssuerOptions, options: VerifierOptions, sharedJwksUri: string | undefined) {
  const jwksUri = config.jwksUri ?? sharedJwksUri
  const { discoveryUrl } = config
  // Keys come from configuration only with a static set, or with secrets and no jwksUri; an
  // empty secrets list holds no key, so such an issuer is discovered like any other.
  const local = config.jwks !== undefined || ((config.secrets ?? []).length > 0 && jwksUri === undefined)
  if (jwksUri !== undefined && !isFetchableUrl(jwksUri)) {
    fail(`"jwksUri" must be https (http only on loopback): ${urlWithoutSecrets(jwksUri)}`, 'jwksUri')
  }
  if (discoveryUrl !== undefined && (typeof discoveryUrl !== 'string' || !isFetchableUrl(discoveryUrl))) {
    fail('"discoveryUrl" must be https (http only on loopback)', 'discoveryUrl')
  }
  const keyFormat = config.keyFormat ?? 'jwks'
  if (keyFormat !== 'jwks' && keyFormat !== 'x509-certificates') {
    fail('"keyFormat" must be "jwks" or "x509-certificates"', 'keyFormat')
  }
  const template = templateOf(config)
  if (template !== undefined && !local && jwksUri === undefined && discoveryUrl === undefined) {
    fail(
      `"issuer" ${urlWithoutSecrets(config.issuer)} is a template: give "discoveryUrl" or "jwksUri"`,
      'issuer',
    )
  }
  if (!local && jwksUri === undefined && discoveryUrl === undefined && !isFetchableUrl(config.issuer)) {
    fail(
      `"issuer" must be an https URL (http only on loopback) to be discovered: ${urlWithoutSecrets(config.issuer)}`,
      'issuer',
    )
  }
  const algorithms = config.algorithms ?? options.algorithms ?? DEFAULT_ALGORITHMS
  for (const alg of algorithms as readonly unknown[]) {
    if (!isSupportedAlgorithm(alg))
      fail(`"algorithms" has an unsupported value: ${String(alg)}`, 'algorithms')
  }
  const secrets = (config.secrets ?? []).map((secret) => resolveSecret(secret, algorithms))
  const audience = config.audience ?? options.audience
  const clientIds = config.clientIds ?? options.clientIds
  if (
    clientIds !== undefined &&
    (!Array.isArray(clientIds) || !clientIds.every((id) => typeof id === 'string' && id !== ''))
  ) {
    fail('"clientIds" option must be a list of non-empty strings', 'clientIds')
  }
  if (options.tokenUse !== undefined && (typeof options.tokenUse !== 'string' || options.tokenUse === '')) {
    fail('"tokenUse" option must be a non-empty string', 'tokenUse')
  }
  const tolerance = nonNegative(
    'clockToleranceSeconds',
    options.clockToleranceSeconds,
    DEFAULT_CLOCK_TOLERANCE_SECONDS,
  )
  const requiredClaims = [...(options.requiredClaims ?? [])]
  if (options.requireExp !== false && !requiredClaims.includes('exp')) requiredClaims.push('exp')
  const resolved: ResolvedIssuer = {
    issuer: config.issuer,
    keys: local ? 'local' : 'remote',
    jwksUri,
    keyFormat,
    discoveryUrl,
    jwks: config.jwks,
    algorithms: new Set<string>(algorithms),
    secrets,
    policy: {
      issuer: config.issuer,
      issuerRule: {
        exact: template === undefined ? [config.issuer, ...(config.issuerAliases ?? [])] : [],
        template,
        tenants: config.tenants === undefined ? undefined : [...config.tenants],
      },
      audience:
        audience === undefined ? undefined : typeof audience === 'string' ? [audience] : [...audience],
      clientIds: clientIds === undefined ? undefined : [...clientIds],
      tokenUse: options.tokenUse,
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

/** The `{tenantid}` template of a multi-tenant issuer, checked; undefined for a plain issuer. */
function templateOf(config: IssuerOptions): string | undefined {
  const count = config.issuer.split(TENANT_PLACEHOLDER).length - 1
  const { tenants } = config
  if (count === 0) {
    if (tenants !== undefined) fail('"tenants" needs an issuer with {tenantid}', 'tenants')
    return undefined
  }
  if (count > 1) fail(`"issuer" may hold ${TENANT_PLACEHOLDER} once`, 'issuer')
  if (config.issuerAliases !== undefined)
    fail('"issuerAliases" cannot be used with a {tenantid} issuer', 'issuerAliases')
  if (
    tenants !== undefined &&
    (!Array.isArray(tenants) || !tenants.every((t) => typeof t === 'string' && t !== ''))
  ) {
    fail('"tenants" must be a list of tenant ids', 'tenants')
  }
  return config.issuer
}

function resolveSecret(secret: HmacSecret, algorithms: readonly Algorithm[]) {
  if (!algorithms.includes(secret.alg)) {
    fail(`"secrets" has a ${secret.alg} secret but "algorithms" does not allow ${secret.alg}`, 'secrets')
  }
  const key = typeof secret.secret === 'string' ? new TextEncoder().encode(secret.secret) : secret.secret
  if (key.byteLength < HMAC_MIN_SECRET_BYTES[secret.alg]) {
    fail(
      `"secrets": a ${secret.alg} secret needs at least ${HMAC_MIN_SECRET_BYTES[secret.alg]} bytes`,
      'secrets',
    )
  }
  return { alg: secret.alg, kid: secret.kid, key }
}
