import type { KeySetStore } from '../cache/key-set-store.js'
import { MemoryKeySetStore } from '../cache/key-set-store.js'
import { type PublicJwksEvent, type PublicJwksHandler, publicJwksHandler } from '../jwks/public-handler.js'
import { dpopChallenge, type ResolvedSenderPolicy, resolveSenderPolicy } from '../sender/options.js'
import type { ReplayStore } from '../sender/replay-store.js'
import { VerifierConfigError } from '../verifier/config.js'
import { createVerifier, type Verifier } from '../verifier/create-verifier.js'
import type { AwsAlbOptions, VerifierEvent, VerifierOptions } from '../verifier/options.js'
import type { ConfigProblem, GatewayConfig } from './config/load.js'
import { type GatewayResource, gatewayResources } from './resources.js'
import { CacheApiKeySetStore } from './stores/cache-api.js'
import { KvKeySetStore } from './stores/kv.js'
import { DurableObjectReplayStore } from './stores/replay-durable-object.js'

/** Everything the gateway reports: the verifier's events and the JWKS publisher's. */
export type GatewayEvent = VerifierEvent | PublicJwksEvent

/** The collaborators a gateway can be given instead of the platform's (tests, other runtimes). */
export interface GatewayCollaborators {
  fetch?: typeof fetch
  store?: KeySetStore
  now?: () => number
  onEvent?: (event: GatewayEvent) => void
  /** DPoP replay store. Default: the `DPOP_REPLAY` Durable Object namespace. */
  replayStore?: ReplayStore
}

/** What one isolate builds once from a valid configuration. */
export interface GatewayRuntime {
  config: GatewayConfig
  verifier: Verifier
  jwks: PublicJwksHandler
  store: KeySetStore
  denyKids: ReadonlySet<string>
  /** DPoP and certificate binding (RFC 9449, RFC 8705), checked after the verifier. */
  sender: ResolvedSenderPolicy
  resources: GatewayResource[]
  now: () => number
  /** The same observer the verifier reports to, for the gateway's own checks after it. */
  onEvent: (event: GatewayEvent) => void
}

/** Thrown when the core refuses a value our schema let through; names the variable. */
export class RuntimeConfigError extends Error {
  readonly problem: ConfigProblem

  constructor(problem: ConfigProblem) {
    super(`${problem.variable} ${problem.reason}`)
    this.problem = problem
  }
}

/**
 * Builds the verifier and the JWKS publisher for one isolate, sharing one store: KV when
 * JWKS_CACHE is bound, else the Cache API, else (outside Workers) memory.
 */
export function buildRuntime(config: GatewayConfig, options: GatewayCollaborators): GatewayRuntime {
  const now = options.now ?? Date.now
  // Store writes reach ctx.waitUntil through the verifier's and the publisher's own waitUntil.
  const store = options.store ?? defaultStore(config, now)
  const onEvent = options.onEvent ?? logFailures
  const shared = {
    ...(options.fetch === undefined ? {} : { fetch: options.fetch }),
    ...(options.now === undefined ? {} : { now: options.now }),
    ...(config.algorithms === undefined ? {} : { algorithms: config.algorithms }),
    store,
  }
  const verifierOptions: VerifierOptions = {
    ...shared,
    issuer: config.issuers.map((issuer) => ({
      issuer,
      ...(config.awsAlb === undefined
        ? { keyFormat: config.keyFormat }
        : { awsAlb: albOptions(config.awsAlb) }),
      ...(config.issuerAliases.length === 0 ? {} : { issuerAliases: config.issuerAliases }),
      ...(config.tenants.length === 0 ? {} : { tenants: config.tenants }),
    })),
    // Every resource's audience at once; each call narrows it to the request's resource
    // (`audienceHere`, src/worker/resources.ts), before scopes, so a foreign token is a 401.
    // None at all with CLIENT_IDS only: then tokens without aud are checked on their client.
    ...(config.resources.length + config.audiences.length === 0
      ? {}
      : { audience: [...config.resources, ...config.audiences] }),
    ...(config.clientIds.length === 0 ? {} : { clientIds: config.clientIds }),
    ...(config.tokenUse === undefined ? {} : { tokenUse: config.tokenUse }),
    ...(config.jwksUri === undefined ? {} : { jwksUri: config.jwksUri }),
    clockToleranceSeconds: config.clockToleranceSeconds,
    requiredScopes: config.requiredScopes,
    onEvent,
  }
  const verifier = attempt('ISSUER', () => createVerifier(verifierOptions))
  const jwks = attempt('JWKS_SOURCES', () =>
    publicJwksHandler({
      ...shared,
      // The issuers' own key URLs are read in JWKS_FORMAT, as the verifier reads them;
      // JWKS_SOURCES are JWK Sets.
      sources:
        config.jwksSources ??
        config.issuers.map((issuer) => ({
          issuer,
          ...(config.jwksUri === undefined ? {} : { jwksUri: config.jwksUri }),
          ...(config.keyFormat === 'jwks' ? {} : { keyFormat: config.keyFormat }),
        })),
      denyKids: config.denyKids,
      onEvent,
    }),
  )
  const sender = resolveSenderPolicy(
    {
      dpop:
        config.dpop === undefined
          ? undefined
          : {
              only: config.dpop.only,
              ...(config.dpop.algorithms === undefined ? {} : { algorithms: config.dpop.algorithms }),
              iatWindowSeconds: config.dpop.iatWindowSeconds,
              ...(config.dpop.nonceSecrets.length === 0 ? {} : { nonceSecrets: config.dpop.nonceSecrets }),
              trustForwardedHeaders: config.dpop.trustForwardedHeaders,
              replayStore: options.replayStore ?? new DurableObjectReplayStore(config.dpop.replay),
            },
      mtls: config.mtlsCertHeader === undefined ? undefined : { thumbprintHeader: config.mtlsCertHeader },
    },
    now,
  )
  const resources = attempt('RESOURCES', () => gatewayResources(config, dpopChallenge(sender)))
  return {
    config,
    verifier,
    jwks,
    store,
    denyKids: new Set(config.denyKids),
    sender,
    resources,
    now,
    onEvent,
  }
}

function albOptions(alb: NonNullable<GatewayConfig['awsAlb']>): AwsAlbOptions {
  return { signers: alb.signers, ...(alb.keysUrl === undefined ? {} : { keysUrl: alb.keysUrl }) }
}

function defaultStore(config: GatewayConfig, now: () => number): KeySetStore {
  if (config.kv !== undefined) return new KvKeySetStore(config.kv)
  const storage = (globalThis as { caches?: { default?: unknown } }).caches
  return storage?.default === undefined ? new MemoryKeySetStore(now) : new CacheApiKeySetStore()
}

/** The variable behind each core option the gateway sets (a `VerifierConfigError`'s `option`). */
const VARIABLE_OF_OPTION: Readonly<Record<string, string>> = {
  issuer: 'ISSUER',
  audience: 'AUDIENCE',
  jwksUri: 'JWKS_URI',
  algorithms: 'ALGORITHMS',
  awsAlb: 'AWS_ALB_SIGNERS',
  clockToleranceSeconds: 'CLOCK_TOLERANCE',
  requiredScopes: 'REQUIRED_SCOPES',
  sources: 'JWKS_SOURCES',
  denyKids: 'JWKS_DENY_KIDS',
}

/**
 * The variable to blame for a core refusal of what the schema let through: the one behind the
 * error's `option`, else `fallback` (the variable the failing part is built from).
 */
export function variableOf(error: unknown, fallback: string): string {
  const option = error instanceof VerifierConfigError ? error.option : undefined
  return (option === undefined ? undefined : VARIABLE_OF_OPTION[option]) ?? fallback
}

function attempt<T>(fallback: string, build: () => T): T {
  try {
    return build()
  } catch (error) {
    throw new RuntimeConfigError({
      variable: variableOf(error, fallback),
      reason: 'was refused by the verifier',
    })
  }
}

/** Default observer: an issuer or source outage is worth one log line; nothing secret is in it. */
function logFailures(event: GatewayEvent): void {
  if (event.type === 'fetch_failed') {
    console.warn(
      `jwks-gateway: key fetch failed for ${event.issuer}: ${event.reason}; retry in ${event.retryInMs} ms`,
    )
  } else if (event.type === 'source_failed') {
    console.warn(
      `jwks-gateway: JWKS source ${event.source} failed: ${event.reason}; retry in ${event.retryInMs} ms`,
    )
  }
}
