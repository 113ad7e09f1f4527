import {
  DEFAULT_COOLDOWN_MS,
  integerOption,
  type KeyCacheLimits,
  resolveKeyCacheLimits,
} from '../cache/limits.js'
import { isFetchableUrl, urlWithoutSecrets } from '../cache/transport.js'
import { type AlbRule, defaultAlbKeysUrl, parseAlbArn } from '../checks/aws-alb.js'
import type { ClaimPolicy } from '../checks/claims.js'
import { TENANT_PLACEHOLDER } from '../checks/issuer-rule.js'
import { VerifierConfigError } from '../errors.js'
import {
  type Algorithm,
  DEFAULT_ALGORITHMS,
  type HmacAlgorithm,
  isSupportedAlgorithm,
} from '../jwk/algorithms.js'
import type { AwsAlbOptions, HmacSecret, IssuerOptions, KeyFormat, VerifierOptions } from './options.js'

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
  /** AWS ALB mode: its header rule and key endpoint. */
  alb: AlbRule | undefined
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
  if (config.awsAlb !== undefined) return resolveAlbIssuer(config, config.awsAlb, options, sharedJwksUri)
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
  const algorithms = resolveAlgorithms(config.algorithms ?? options.algorithms ?? DEFAULT_ALGORITHMS)
  const secrets = (config.secrets ?? []).map((secret) => resolveSecret(secret, algorithms))
  const audience = config.audience ?? options.audience
  const resolved: ResolvedIssuer = {
    issuer: config.issuer,
    keys: local ? 'local' : 'remote',
    jwksUri,
    keyFormat,
    discoveryUrl,
    jwks: config.jwks,
    alb: undefined,
    algorithms: new Set<string>(algorithms),
    secrets,
    policy: {
      ...timeAndShapePolicy(options),
      issuer: config.issuer,
      issuerRule: {
        exact: template === undefined ? [config.issuer, ...(config.issuerAliases ?? [])] : [],
        template,
        tenants: config.tenants === undefined ? undefined : [...config.tenants],
      },
      audience:
        audience === undefined ? undefined : typeof audience === 'string' ? [audience] : [...audience],
      clientIds: resolveClientIds(config, options),
    },
  }
  return resolved
}

/** Members of an ALB issuer that configure something ALB does not have. */
const NOT_WITH_ALB = [
  'jwksUri',
  'jwks',
  'keyFormat',
  'discoveryUrl',
  'secrets',
  'tenants',
  'audience',
] as const

/**
 * An AWS ALB issuer: ES256 only, keys from the load balancers' region, no audience (ALB tokens
 * carry none; `clientIds` checks the header's `client`). Everything that configures another key
 * source is refused rather than ignored.
 */
function resolveAlbIssuer(
  config: IssuerOptions,
  alb: AwsAlbOptions,
  options: VerifierOptions,
  sharedJwksUri: string | undefined,
): ResolvedIssuer {
  for (const name of NOT_WITH_ALB) {
    if (config[name] !== undefined) fail(`"${name}" cannot be used with "awsAlb"`, name)
  }
  if (sharedJwksUri !== undefined) fail('"jwksUri" cannot be used with "awsAlb"', 'jwksUri')
  if (options.audience !== undefined) {
    fail('"audience" cannot be used with "awsAlb": ALB tokens carry no aud, use "clientIds"', 'audience')
  }
  if (config.issuer.includes(TENANT_PLACEHOLDER))
    fail(`"issuer" of "awsAlb" cannot hold ${TENANT_PLACEHOLDER}`, 'issuer')
  if (typeof alb !== 'object' || alb === null) fail('"awsAlb" must be an object', 'awsAlb')
  const unknown = Object.keys(alb).find((name) => name !== 'signers' && name !== 'keysUrl')
  if (unknown !== undefined) fail(`"awsAlb" has an unknown member "${unknown}"`, 'awsAlb')
  const signers: unknown = alb.signers
  if (!Array.isArray(signers) || signers.length === 0) {
    fail('"awsAlb.signers" must list the ARNs of your load balancers', 'awsAlb')
  }
  const arns = signers.map((arn: unknown) => {
    const parsed = typeof arn === 'string' ? parseAlbArn(arn) : undefined
    if (parsed === undefined) fail(`"awsAlb.signers" has no load balancer ARN: ${String(arn)}`, 'awsAlb')
    return parsed
  })
  const keysUrl = alb.keysUrl ?? albKeysUrlOf(arns)
  if (typeof keysUrl !== 'string' || !isFetchableUrl(keysUrl) || URL.parse(keysUrl)?.search !== '') {
    fail('"awsAlb.keysUrl" must be https (http only on loopback), without a query', 'awsAlb')
  }
  const algorithms = resolveAlgorithms(config.algorithms ?? ['ES256'])
  if (algorithms.some((alg) => alg !== 'ES256'))
    fail('"algorithms" of "awsAlb" can only be ES256', 'algorithms')
  const clients = resolveClientIds(config, options)
  return {
    issuer: config.issuer,
    keys: 'remote',
    jwksUri: undefined,
    keyFormat: 'jwks',
    discoveryUrl: undefined,
    jwks: undefined,
    alb: { signers: [...(signers as string[])], clients, keysUrl: keysUrl.replace(/\/+$/, '') },
    algorithms: new Set<string>(algorithms),
    secrets: [],
    policy: {
      ...timeAndShapePolicy(options),
      issuer: config.issuer,
      issuerRule: {
        exact: [config.issuer, ...(config.issuerAliases ?? [])],
        template: undefined,
        tenants: undefined,
      },
      audience: undefined,
      clientIds: undefined,
    },
  }
}

/** One region's endpoint, for the commercial partition; others must say where theirs is. */
function albKeysUrlOf(arns: readonly { partition: string; region: string }[]): string {
  const urls = new Set(arns.map(defaultAlbKeysUrl))
  const [only] = urls
  if (urls.size > 1)
    fail('"awsAlb.signers" span several regions: give each region its own verifier', 'awsAlb')
  if (only === undefined) {
    fail('"awsAlb.keysUrl" is required outside the aws partition (GovCloud, China)', 'awsAlb')
  }
  return only
}

function resolveAlgorithms(algorithms: readonly Algorithm[]): readonly Algorithm[] {
  for (const alg of algorithms as readonly unknown[]) {
    if (!isSupportedAlgorithm(alg))
      fail(`"algorithms" has an unsupported value: ${String(alg)}`, 'algorithms')
  }
  return algorithms
}

function resolveClientIds(config: IssuerOptions, options: VerifierOptions): string[] | undefined {
  const clientIds = config.clientIds ?? options.clientIds
  if (
    clientIds !== undefined &&
    (!Array.isArray(clientIds) || !clientIds.every((id) => typeof id === 'string' && id !== ''))
  ) {
    fail('"clientIds" option must be a list of non-empty strings', 'clientIds')
  }
  return clientIds === undefined ? undefined : [...clientIds]
}

/** The verifier-wide rules every issuer shares: token use, time, `typ`, required claims. */
function timeAndShapePolicy(options: VerifierOptions) {
  if (options.tokenUse !== undefined && (typeof options.tokenUse !== 'string' || options.tokenUse === '')) {
    fail('"tokenUse" option must be a non-empty string', 'tokenUse')
  }
  const requiredClaims = [...(options.requiredClaims ?? [])]
  if (options.requireExp !== false && !requiredClaims.includes('exp')) requiredClaims.push('exp')
  return {
    tokenUse: options.tokenUse,
    clockToleranceSeconds: nonNegative(
      'clockToleranceSeconds',
      options.clockToleranceSeconds,
      DEFAULT_CLOCK_TOLERANCE_SECONDS,
    ),
    typ: options.typ,
    requiredClaims,
    maxTokenAgeSeconds:
      options.maxTokenAgeSeconds === undefined
        ? undefined
        : nonNegative('maxTokenAgeSeconds', options.maxTokenAgeSeconds, 0),
  } satisfies Partial<ClaimPolicy>
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
