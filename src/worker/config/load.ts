import { TENANT_PLACEHOLDER } from '../../checks/issuer-rule.js'
import type { StepUpRequirement } from '../../checks/step-up.js'
import type { Algorithm } from '../../jwk/algorithms.js'
import type { KeyFormat } from '../../verifier/options.js'
import type { KVLike } from '../env.js'
import { foldHeaderName } from '../header-names.js'
import type { DurableObjectNamespaceLike } from '../stores/replay-durable-object.js'
import {
  type ClaimHeader,
  DEFAULT_CLAIM_HEADERS,
  type GatewayVars,
  gatewayEnvSchema,
  InvalidVariable,
  resourceGatewayEnvSchema,
} from './schema.js'

/** The gateway's configuration, every docs/gateway.md default applied and every value checked. */
export interface GatewayConfig {
  /** Exact issuers, or one `{tenantid}` template (multi-tenant Entra). */
  issuers: string[]
  /** Other exact `iss` values of the single issuer (Auth0 custom domain). */
  issuerAliases: string[]
  /** Allow-list of `tid` values for a template issuer; empty: every tenant. */
  tenants: string[]
  /**
   * Accepted audiences; with `resources`, only on paths under none of them. May be empty with
   * `resources` or `clientIds` (then only tokens without `aud` are accepted there).
   */
  audiences: string[]
  /** Canonical protected-resource identifiers (RFC 8707); each one's path is the prefix it covers. */
  resources: string[]
  /** `authorization_servers` of the metadata documents. */
  authorizationServers: string[]
  /** `scopes_supported`, and the `scope` of 401 challenges when REQUIRED_SCOPES is empty. */
  scopesSupported: string[]
  /** RFC 9470 requirement on authenticated requests under `stepUpPaths`; undefined: none. */
  stepUp: StepUpRequirement | undefined
  /** Normalised prefixes without a trailing slash where `stepUp` applies; empty: everywhere. */
  stepUpPaths: string[]
  /**
   * Clients whose tokens without `aud` are accepted (`client_id`, else `azp`); like `audiences`,
   * with `resources` only on paths under none of them.
   */
  clientIds: string[]
  tokenUse: string | undefined
  jwksUri: string | undefined
  /** What the issuers' key URLs serve: a JWK Set, or Google's kid → certificate map. */
  keyFormat: KeyFormat
  /** Undefined: the verifier's default allow-list. */
  algorithms: Algorithm[] | undefined
  /** AWS ALB mode for the single issuer; undefined: off. */
  awsAlb: { signers: string[]; keysUrl: string | undefined } | undefined
  /** Base URL without a trailing slash; undefined: echo mode. */
  upstream: string | undefined
  /** Normalised prefixes without a trailing slash. */
  publicPaths: string[]
  requiredScopes: string[]
  claimHeaders: ClaimHeader[]
  /**
   * Folded names (`foldHeaderName`) removed from every incoming request in any spelling: the
   * configured claim headers plus the default ones, so an upstream written for the defaults is
   * never fed a spoofed copy, and a CGI-style upstream never reads `X_Auth_Subject` as one.
   */
  strippedHeaders: ReadonlySet<string>
  /** Lower-case name of a header whose whole value is the token; undefined: Authorization only. */
  tokenHeader: string | undefined
  /** Default: true, false with RESOURCES (a client's token is not passed on, per the MCP authorization spec). */
  forwardToken: boolean
  clockToleranceSeconds: number
  kv: KVLike | undefined
  /** Undefined: re-serve the issuers' own key sets. */
  jwksSources: string[] | undefined
  denyKids: string[]
  /** DPoP (RFC 9449); undefined: off (a `cnf.jkt` token sent as Bearer is still refused). */
  dpop: GatewayDpopConfig | undefined
  /** Header a trusted TLS terminator sets to the client certificate's SHA-256 thumbprint. */
  mtlsCertHeader: string | undefined
}

interface GatewayDpopConfig {
  only: boolean
  /** Undefined: the default proof algorithms. */
  algorithms: string[] | undefined
  iatWindowSeconds: number
  /** Current secret first; empty: nonces off. */
  nonceSecrets: string[]
  trustForwardedHeaders: boolean
  replay: DurableObjectNamespaceLike
}

/** Where an AWS Application Load Balancer puts the token it signs. */
const ALB_TOKEN_HEADER = 'x-amzn-oidc-data'

const DEFAULT_HEADER_NAMES = DEFAULT_CLAIM_HEADERS.split(',').map((pair) => pair.split(':')[1] ?? '')

/** Variables that mean something only with DPoP on. */
const DPOP_VARIABLES = [
  'DPOP_ALGORITHMS',
  'DPOP_NONCE_SECRET',
  'DPOP_NONCE_SECRET_PREVIOUS',
  'DPOP_TRUST_FORWARDED',
] as const

/** Unset or only whitespace, as the schema reads a variable. */
function isBlank(value: unknown): boolean {
  return value === undefined || (typeof value === 'string' && value.trim() === '')
}

/** One bad variable: its name and why, never its value (it may be a secret). */
export interface ConfigProblem {
  variable: string
  reason: string
}

export type ConfigResult = { ok: true; config: GatewayConfig } | { ok: false; problems: ConfigProblem[] }

/**
 * Validates the Worker's vars and bindings (docs/gateway.md). Every problem is reported, in the order of
 * the table in docs/gateway.md#configuration, each naming its variable; values are never echoed.
 */
export function loadConfig(env: Readonly<Record<string, unknown>>): ConfigResult {
  // AUDIENCE is optional with RESOURCES (each resource is its own audience), CLIENT_IDS
  // (tokens without aud, such as Cognito access tokens) or AWS_ALB_SIGNERS (ALB tokens carry
  // no aud); otherwise it is required.
  const audienceOptional =
    !isBlank(env.RESOURCES) || !isBlank(env.CLIENT_IDS) || !isBlank(env.AWS_ALB_SIGNERS)
  const read = readVariables(env, audienceOptional ? resourceGatewayEnvSchema : gatewayEnvSchema)
  if (!read.ok) return read
  const { vars } = read
  const problem = crossVariableProblem(vars)
  if (problem !== undefined) return { ok: false, problems: [problem] }
  if (vars.DPOP === 'off') {
    const set = {
      DPOP_ALGORITHMS: vars.DPOP_ALGORITHMS.length > 0,
      DPOP_NONCE_SECRET: vars.DPOP_NONCE_SECRET !== undefined,
      DPOP_NONCE_SECRET_PREVIOUS: vars.DPOP_NONCE_SECRET_PREVIOUS !== undefined,
      DPOP_TRUST_FORWARDED: vars.DPOP_TRUST_FORWARDED,
    }
    const stray = DPOP_VARIABLES.find((name) => set[name])
    if (stray !== undefined)
      return { ok: false, problems: [{ variable: stray, reason: 'needs DPOP=on or only' }] }
  } else if (vars.DPOP_REPLAY === undefined) {
    // A per-isolate memory store would let a proof replay on every other isolate and location.
    return {
      ok: false,
      problems: [
        { variable: 'DPOP_REPLAY', reason: 'is required with DPOP: bind the DpopReplayObject class' },
      ],
    }
  }
  if (vars.DPOP_NONCE_SECRET_PREVIOUS !== undefined && vars.DPOP_NONCE_SECRET === undefined) {
    return {
      ok: false,
      problems: [{ variable: 'DPOP_NONCE_SECRET_PREVIOUS', reason: 'needs DPOP_NONCE_SECRET' }],
    }
  }
  const dpop: GatewayDpopConfig | undefined =
    vars.DPOP === 'off' || vars.DPOP_REPLAY === undefined
      ? undefined
      : {
          only: vars.DPOP === 'only',
          algorithms: vars.DPOP_ALGORITHMS.length === 0 ? undefined : vars.DPOP_ALGORITHMS,
          iatWindowSeconds: vars.DPOP_IAT_WINDOW,
          nonceSecrets: [vars.DPOP_NONCE_SECRET, vars.DPOP_NONCE_SECRET_PREVIOUS].filter(
            (secret): secret is string => secret !== undefined,
          ),
          trustForwardedHeaders: vars.DPOP_TRUST_FORWARDED,
          replay: vars.DPOP_REPLAY,
        }
  const stepUpSet = vars.STEP_UP_ACR_VALUES.length > 0 || vars.STEP_UP_MAX_AGE !== undefined
  if (vars.STEP_UP_PATHS.length > 0 && !stepUpSet) {
    return {
      ok: false,
      problems: [{ variable: 'STEP_UP_PATHS', reason: 'needs STEP_UP_ACR_VALUES or STEP_UP_MAX_AGE' }],
    }
  }
  return {
    ok: true,
    config: {
      dpop,
      mtlsCertHeader: vars.MTLS_CERT_HEADER?.toLowerCase(),
      issuers: vars.ISSUER,
      issuerAliases: vars.ISSUER_ALIASES,
      tenants: vars.TENANTS,
      audiences: vars.AUDIENCE,
      resources: vars.RESOURCES,
      authorizationServers:
        vars.AUTHORIZATION_SERVERS.length === 0 ? vars.ISSUER : vars.AUTHORIZATION_SERVERS,
      scopesSupported: vars.SCOPES_SUPPORTED,
      stepUpPaths: vars.STEP_UP_PATHS,
      stepUp: !stepUpSet
        ? undefined
        : {
            ...(vars.STEP_UP_ACR_VALUES.length === 0 ? {} : { acrValues: vars.STEP_UP_ACR_VALUES }),
            ...(vars.STEP_UP_MAX_AGE === undefined ? {} : { maxAgeSeconds: vars.STEP_UP_MAX_AGE }),
          },
      clientIds: vars.CLIENT_IDS,
      tokenUse: vars.TOKEN_USE,
      jwksUri: vars.JWKS_URI,
      keyFormat: vars.JWKS_FORMAT ?? 'jwks',
      algorithms: vars.ALGORITHMS.length === 0 ? undefined : vars.ALGORITHMS,
      awsAlb:
        vars.AWS_ALB_SIGNERS.length === 0
          ? undefined
          : { signers: vars.AWS_ALB_SIGNERS, keysUrl: vars.AWS_ALB_KEYS_URL },
      upstream: vars.UPSTREAM?.replace(/\/+$/, ''),
      publicPaths: vars.PUBLIC_PATHS,
      requiredScopes: vars.REQUIRED_SCOPES,
      claimHeaders: vars.CLAIM_HEADERS,
      strippedHeaders: new Set(
        [...vars.CLAIM_HEADERS.map((pair) => pair.header), ...DEFAULT_HEADER_NAMES].map(foldHeaderName),
      ),
      // ALB puts its token in x-amzn-oidc-data, and nowhere else.
      tokenHeader: vars.TOKEN_HEADER ?? (vars.AWS_ALB_SIGNERS.length === 0 ? undefined : ALB_TOKEN_HEADER),
      forwardToken: vars.FORWARD_TOKEN ?? vars.RESOURCES.length === 0,
      clockToleranceSeconds: vars.CLOCK_TOLERANCE,
      kv: vars.JWKS_CACHE,
      jwksSources: vars.JWKS_SOURCES.length === 0 ? undefined : vars.JWKS_SOURCES,
      denyKids: vars.JWKS_DENY_KIDS,
    },
  }
}

/** Each variable read on its own; a problem for every bad one, in the schema's order. */
function readVariables(
  env: Readonly<Record<string, unknown>>,
  schema: typeof gatewayEnvSchema,
): { ok: true; vars: GatewayVars } | { ok: false; problems: ConfigProblem[] } {
  if (typeof env !== 'object' || env === null || Array.isArray(env)) {
    return { ok: false, problems: [{ variable: 'env', reason: 'Invalid input' }] }
  }
  const vars: Record<string, unknown> = {}
  const problems: ConfigProblem[] = []
  for (const [variable, read] of Object.entries(schema)) {
    try {
      vars[variable] = read(env[variable])
    } catch (error) {
      if (!(error instanceof InvalidVariable)) throw error
      const where = error.entry === undefined ? '' : `entry ${error.entry + 1} `
      problems.push({ variable, reason: `${where}${error.reason}` })
    }
  }
  return problems.length === 0 ? { ok: true, vars: vars as GatewayVars } : { ok: false, problems }
}

/** Rules between variables, checked once each variable is valid on its own. */
function crossVariableProblem(vars: {
  ISSUER: string[]
  ISSUER_ALIASES: string[]
  TENANTS: string[]
  AUDIENCE: string[]
  RESOURCES: string[]
  JWKS_URI?: string | undefined
  JWKS_FORMAT?: string | undefined
  AWS_ALB_SIGNERS: string[]
  AWS_ALB_KEYS_URL?: string | undefined
}): ConfigProblem | undefined {
  const single = vars.ISSUER.length === 1
  const templates = vars.ISSUER.filter((issuer) => issuer.includes(TENANT_PLACEHOLDER))
  if (vars.AWS_ALB_KEYS_URL !== undefined && vars.AWS_ALB_SIGNERS.length === 0) {
    return { variable: 'AWS_ALB_KEYS_URL', reason: 'needs AWS_ALB_SIGNERS' }
  }
  if (vars.AWS_ALB_SIGNERS.length > 0) {
    // ALB tokens carry no aud and their keys come one per kid from the region, never a JWK Set.
    const conflict = (
      [
        ['ISSUER', !single, 'must name exactly one issuer (the IdP behind the load balancer)'],
        ['AUDIENCE', vars.AUDIENCE.length > 0, 'cannot be used: ALB tokens carry no aud, use CLIENT_IDS'],
        ['RESOURCES', vars.RESOURCES.length > 0, 'cannot be used: ALB tokens carry no aud'],
        ['JWKS_URI', vars.JWKS_URI !== undefined, 'cannot be used: ALB keys come from AWS_ALB_KEYS_URL'],
        ['JWKS_FORMAT', vars.JWKS_FORMAT !== undefined, 'cannot be used: ALB keys are PEM, one per kid'],
        ['TENANTS', vars.TENANTS.length > 0, 'cannot be used'],
      ] as const
    ).find(([, clash]) => clash)
    if (conflict !== undefined) {
      const [variable, , reason] = conflict
      return { variable, reason: `${reason} with AWS_ALB_SIGNERS` }
    }
  }
  if (vars.JWKS_URI !== undefined && !single) {
    return { variable: 'JWKS_URI', reason: 'needs exactly one ISSUER (each issuer has its own keys)' }
  }
  if (templates.length > 0 && (!single || vars.JWKS_URI === undefined)) {
    return {
      variable: 'JWKS_URI',
      reason: 'is required with a {tenantid} ISSUER, which must be the only one',
    }
  }
  if (vars.ISSUER_ALIASES.length > 0 && (!single || templates.length > 0)) {
    return { variable: 'ISSUER_ALIASES', reason: 'needs exactly one ISSUER, not a {tenantid} template' }
  }
  if (vars.TENANTS.length > 0 && templates.length === 0) {
    return { variable: 'TENANTS', reason: 'needs an ISSUER with {tenantid}' }
  }
  return undefined
}

/** The one log line of a bad configuration: variable names and reasons, no values. */
export function describeProblems(problems: readonly ConfigProblem[]): string {
  return `jwks-gateway: invalid configuration, every request answers 500: ${problems
    .map((problem) => `${problem.variable} ${problem.reason}`)
    .join('; ')}`
}
