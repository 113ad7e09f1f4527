import { isFetchableUrl } from '../../cache/transport.js'
import { parseAlbArn } from '../../checks/aws-alb.js'
import { HTTP_TOKEN } from '../../http/grammar.js'
import { ASYMMETRIC_ALGORITHMS } from '../../jwk/algorithms.js'
import { isTokenHeaderName } from '../../middleware/options.js'
import { canonicalResource } from '../../middleware/protected-resource.js'
import { SCOPE_TOKEN } from '../../middleware/scopes.js'
import { MIN_NONCE_SECRET_LENGTH } from '../../sender/nonce.js'
import {
  DEFAULT_DPOP_ALGORITHMS,
  DEFAULT_DPOP_IAT_WINDOW_SECONDS,
  MAX_DPOP_IAT_WINDOW_SECONDS,
} from '../../sender/options.js'
import { DEFAULT_CLOCK_TOLERANCE_SECONDS } from '../../verifier/config.js'
import type { KeyFormat } from '../../verifier/options.js'
import type { KVLike } from '../env.js'
import { foldHeaderName, HOP_BY_HOP_HEADERS, isReservedHeader } from '../header-names.js'
import { normalizePath } from '../path.js'
import type { DurableObjectNamespaceLike } from '../stores/replay-durable-object.js'

/** Upper bound of CLOCK_TOLERANCE: more skew than this hides a broken clock rather than absorbing drift. */
const MAX_CLOCK_TOLERANCE_SECONDS = 300
/** Largest STEP_UP_MAX_AGE: a year; more is a typo for "no limit", which is leaving it unset. */
const MAX_STEP_UP_AGE_SECONDS = 365 * 24 * 3600
export const DEFAULT_CLAIM_HEADERS = 'sub:X-Auth-Subject,iss:X-Auth-Issuer,scope:X-Auth-Scope'

/** The reason given for a value of a type the variable never takes (an object where text belongs). */
const INVALID_INPUT = 'Invalid input'
const FETCHABLE_URL = 'must be an https URL (http only on loopback)'

/**
 * Why one variable is refused, thrown by the readers below and caught by `loadConfig`, which
 * names the variable. `entry` is the 0-based position of the list entry the reason is about.
 */
export class InvalidVariable {
  constructor(
    readonly reason: string,
    readonly entry?: number,
  ) {}
}

/** Refuses the variable, or the list entry being read, with `reason` unless `ok`. */
function must(ok: boolean, reason: string): asserts ok {
  if (!ok) throw new InvalidVariable(reason)
}

/** Unset and blank mean the same; TOML numbers and booleans arrive as their text. */
function text(value: unknown): string | undefined {
  if (value === undefined) return undefined
  must(
    typeof value === 'string' ||
      typeof value === 'boolean' ||
      (typeof value === 'number' && Number.isFinite(value)),
    INVALID_INPUT,
  )
  const trimmed = String(value).trim()
  return trimmed === '' ? undefined : trimmed
}

function required(value: unknown): string {
  const present = text(value)
  must(present !== undefined, 'is required')
  return present
}

/** `text` that must pass `ok` when set. */
function checked(value: unknown, ok: (text: string) => boolean, reason: string): string | undefined {
  const present = text(value)
  if (present !== undefined) must(ok(present), reason)
  return present
}

/** `value` when it is one of `allowed`. */
function oneOf<T extends string>(value: string, allowed: readonly T[], reason: string): T {
  must((allowed as readonly string[]).includes(value), reason)
  return value as T
}

/** Items of a list, trimmed; unset is an empty list. */
function split(value: string | undefined, separator: RegExp): string[] {
  return value === undefined ? [] : value.split(separator).map((item) => item.trim())
}

/**
 * Reads each item with `read`, whose problem names the item's position; then, with `twice`,
 * refuses a list naming the same thing twice (compared by `key`).
 */
function entries<T>(
  items: readonly string[],
  read: (item: string) => T,
  twice?: string,
  key: (value: T) => unknown = (value) => value,
): T[] {
  const values = items.map((item, index) => {
    try {
      return read(item)
    } catch (error) {
      throw error instanceof InvalidVariable ? new InvalidVariable(error.reason, index) : error
    }
  })
  if (twice !== undefined) must(new Set(values.map(key)).size === values.length, twice)
  return values
}

function fetchableUrl(url: string): string {
  must(isFetchableUrl(url), FETCHABLE_URL)
  return url
}

/** A comma-separated list of fetchable URLs, none twice. */
function urls(value: string | undefined, twice: string): string[] {
  return entries(split(value, /,/), fetchableUrl, twice)
}

/** A comma-separated list of non-empty values; unset is an empty list. */
function list(value: string | undefined): string[] {
  return entries(split(value, /,/), (item) => {
    must(item.length >= 1, 'has an empty entry')
    return item
  })
}

/** A comma-separated list whose every entry is one of `allowed`. */
function oneOfList<T extends string>(value: unknown, allowed: readonly T[], reason: string): T[] {
  return entries(split(text(value), /,/), (item) => oneOf(item, allowed, reason))
}

/** Space-separated tokens of the scope grammar (RFC 6749 §3.3). */
function scopeTokens(value: unknown, reason: string): string[] {
  return entries(split(text(value), /\s+/), (token) => {
    must(SCOPE_TOKEN.test(token), reason)
    return token
  })
}

function isUpstreamBase(value: string): boolean {
  if (!URL.canParse(value)) return false
  const url = new URL(value)
  return (
    (url.protocol === 'https:' || url.protocol === 'http:') &&
    url.username === '' &&
    url.password === '' &&
    url.search === '' &&
    url.hash === '' &&
    !value.includes('?') &&
    !value.includes('#')
  )
}

/** Comma-separated plain path prefixes, normalised, without a trailing slash. */
function pathPrefixes(value: unknown): string[] {
  return entries(split(text(value), /,/), (path) => {
    must(path.startsWith('/'), 'must start with /')
    const normal = normalizePath(path)
    must(
      normal.ok && normal.path !== '/' && !path.includes('?') && !path.includes('#'),
      'must be a plain path other than /, without encoded separators, ? or #',
    )
    return normal.path.replace(/\/+$/, '')
  })
}

/** One `claim:Header` pair. */
export interface ClaimHeader {
  claim: string
  /** Lower-cased header name. */
  header: string
}

function claimHeader(pair: string): ClaimHeader {
  const colon = pair.lastIndexOf(':')
  const claim = pair.slice(0, colon).trim()
  const header = pair
    .slice(colon + 1)
    .trim()
    .toLowerCase()
  must(colon > 0 && claim !== '' && HTTP_TOKEN.test(header), 'must be claim:Header-Name')
  must(!isReservedHeader(header), `may not set the reserved header ${foldHeaderName(header)}`)
  return { claim, header }
}

/** Blank CLAIM_HEADERS means "forward no identity headers"; unset means the default. */
function claimHeaders(value: unknown): ClaimHeader[] {
  must(value === undefined || typeof value === 'string', INVALID_INPUT)
  const source = value ?? DEFAULT_CLAIM_HEADERS
  return entries(
    source.trim() === '' ? [] : split(source, /,/),
    claimHeader,
    'names a header twice (compared case-insensitively, with _ and - alike)',
    (pair) => foldHeaderName(pair.header),
  )
}

/**
 * A header whose whole value is the token (Cloudflare Access `Cf-Access-Jwt-Assertion`, so a
 * `cf-*` name is fine here, unlike for CLAIM_HEADERS); lower-cased. Not Authorization or Cookie,
 * and not a hop-by-hop field, which no proxy passes on.
 */
function tokenHeader(value: unknown): string | undefined {
  return checked(
    value,
    (name) => isTokenHeaderName(name) && !HOP_BY_HOP_HEADERS.has(name.toLowerCase()),
    'must be a header name other than Authorization, Cookie or a hop-by-hop field',
  )?.toLowerCase()
}

/** A `true`/`false` variable; undefined when unset. */
function flag(value: unknown): boolean | undefined {
  const set = text(value)
  return set === undefined
    ? undefined
    : oneOf(set.toLowerCase(), ['true', 'false'], 'must be true or false') === 'true'
}

/** Whole seconds from `min` to `max`, written in at most `digits` digits; undefined when unset. */
function wholeSeconds(value: unknown, min: number, max: number, digits: number): number | undefined {
  const set = text(value)
  if (set === undefined) return undefined
  const seconds = set.length <= digits && /^\d+$/.test(set) ? Number(set) : Number.NaN
  must(seconds >= min && seconds <= max, `must be whole seconds from ${min} to ${max}`)
  return seconds
}

/** A binding (an object with the `methods` the gateway calls); undefined when unbound. */
function binding<T>(value: unknown, methods: readonly string[], reason: string): T | undefined {
  if (value === undefined) return undefined
  must(
    typeof value === 'object' &&
      value !== null &&
      methods.every((method) => typeof (value as Record<string, unknown>)[method] === 'function'),
    reason,
  )
  return value as T
}

function nonceSecret(value: unknown): string | undefined {
  return checked(
    value,
    (secret) => secret.length >= MIN_NONCE_SECRET_LENGTH,
    `must be at least ${MIN_NONCE_SECRET_LENGTH} characters`,
  )
}

/**
 * Protected resources (RFC 9728): canonical identifiers (RFC 8707), each one's path being the
 * path prefix it covers, so it must be a plain path the normaliser leaves as it is.
 */
function resources(value: unknown): string[] {
  return entries(
    split(text(value), /,/),
    (resource) => {
      let canonical: string | undefined
      try {
        canonical = canonicalResource(resource)
      } catch {
        canonical = undefined
      }
      const path = canonical === undefined ? undefined : new URL(canonical).pathname
      const normal = path === undefined ? undefined : normalizePath(path)
      must(
        canonical !== undefined && normal?.ok === true && normal.path === path,
        'must be an absolute https URL without query or fragment, its path a plain path',
      )
      return canonical
    },
    'names a resource twice',
  )
}

/**
 * docs/gateway.md, one reader per variable, in the order problems are reported. A reader takes
 * the variable's value as the Worker got it and returns what the gateway uses, or throws an
 * {@link InvalidVariable}. Cross-variable rules (JWKS_URI needs a single ISSUER) live in
 * `loadConfig`.
 */
export const gatewayEnvSchema = {
  ISSUER: (value) => urls(required(value), 'names an issuer twice'),
  ISSUER_ALIASES: (value) => urls(text(value), 'names an alias twice'),
  TENANTS: (value) => list(text(value)),
  AUDIENCE: (value) => list(required(value)),
  CLIENT_IDS: (value) => list(text(value)),
  TOKEN_USE: (value) =>
    checked(value, (use) => /^[\x21-\x7e]+$/.test(use), 'must be one claim value without spaces'),
  JWKS_URI: (value) => checked(value, isFetchableUrl, FETCHABLE_URL),
  JWKS_FORMAT: (value) => {
    const format = text(value)
    return format === undefined
      ? undefined
      : oneOf<KeyFormat>(format, ['jwks', 'x509-certificates'], 'must be jwks or x509-certificates')
  },
  ALGORITHMS: (value) =>
    oneOfList(
      value,
      ASYMMETRIC_ALGORITHMS,
      'must list asymmetric JWS algorithms (RS256 … EdDSA); HMAC needs a local secret the gateway does not take',
    ),
  // ARNs of the load balancers whose `x-amzn-oidc-data` tokens are accepted (ALB mode).
  AWS_ALB_SIGNERS: (value) =>
    entries(
      split(text(value), /,/),
      (arn) => {
        must(parseAlbArn(arn) !== undefined, 'must list application load balancer ARNs')
        return arn
      },
      'names a load balancer twice',
    ),
  AWS_ALB_KEYS_URL: (value) => checked(value, isFetchableUrl, FETCHABLE_URL),
  UPSTREAM: (value) =>
    checked(
      value,
      isUpstreamBase,
      'must be an http(s) URL, optionally with a path, without query, fragment or credentials',
    ),
  PUBLIC_PATHS: pathPrefixes,
  REQUIRED_SCOPES: (value) => scopeTokens(value, 'must be space-separated scope tokens'),
  CLAIM_HEADERS: claimHeaders,
  TOKEN_HEADER: tokenHeader,
  // Undefined when unset: the default depends on RESOURCES (see `loadConfig`).
  FORWARD_TOKEN: flag,
  CLOCK_TOLERANCE: (value) =>
    wholeSeconds(value, 0, MAX_CLOCK_TOLERANCE_SECONDS, 9) ?? DEFAULT_CLOCK_TOLERANCE_SECONDS,
  JWKS_CACHE: (value) => binding<KVLike>(value, ['get', 'put'], 'must be a KV namespace binding'),
  JWKS_SOURCES: (value) => urls(text(value), 'names a source twice'),
  JWKS_DENY_KIDS: (value) =>
    entries(split(text(value), /,/), (kid) => {
      must(kid.length >= 1, 'has an empty entry')
      must(kid.length <= 1024, 'has a kid over 1024 characters')
      return kid
    }),
  // DPoP (RFC 9449): `off`, `on` (Bearer still taken for unbound tokens) or `only`.
  DPOP: (value) =>
    oneOf<'off' | 'on' | 'only'>(
      text(value)?.toLowerCase() ?? 'off',
      ['off', 'on', 'only'],
      'must be off, on or only',
    ),
  DPOP_ALGORITHMS: (value) =>
    oneOfList(value, DEFAULT_DPOP_ALGORITHMS, 'must list asymmetric JWS algorithms (never none or HS*)'),
  DPOP_IAT_WINDOW: (value) =>
    wholeSeconds(value, 1, MAX_DPOP_IAT_WINDOW_SECONDS, 6) ?? DEFAULT_DPOP_IAT_WINDOW_SECONDS,
  DPOP_NONCE_SECRET: nonceSecret,
  DPOP_NONCE_SECRET_PREVIOUS: nonceSecret,
  DPOP_TRUST_FORWARDED: (value) => flag(value) ?? false,
  DPOP_REPLAY: (value) =>
    binding<DurableObjectNamespaceLike>(
      value,
      ['idFromName', 'get'],
      'must be a Durable Object namespace binding (class DpopReplayObject)',
    ),
  MTLS_CERT_HEADER: (value) => checked(value, (name) => HTTP_TOKEN.test(name), 'must be a header name'),
  RESOURCES: resources,
  AUTHORIZATION_SERVERS: (value) => urls(text(value), 'names a server twice'),
  SCOPES_SUPPORTED: (value) => scopeTokens(value, 'must be space-separated scope tokens'),
  STEP_UP_ACR_VALUES: (value) => scopeTokens(value, 'must be space-separated acr values'),
  STEP_UP_MAX_AGE: (value) => wholeSeconds(value, 0, MAX_STEP_UP_AGE_SECONDS, 9),
  // The same grammar as PUBLIC_PATHS: plain path prefixes, matched on segment boundaries.
  STEP_UP_PATHS: pathPrefixes,
} satisfies Record<string, (value: unknown) => unknown>

/**
 * The same, for a gateway with RESOURCES, CLIENT_IDS or AWS_ALB_SIGNERS: AUDIENCE becomes
 * optional (each resource is its own audience, and AUDIENCE only covers other paths).
 */
export const resourceGatewayEnvSchema: typeof gatewayEnvSchema = {
  ...gatewayEnvSchema,
  AUDIENCE: (value) => list(text(value)),
}

/** Every variable as the gateway uses it, once each has been read. */
export type GatewayVars = { [K in keyof typeof gatewayEnvSchema]: ReturnType<(typeof gatewayEnvSchema)[K]> }
