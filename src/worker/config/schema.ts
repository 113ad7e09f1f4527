import {
  array,
  boolean,
  custom,
  extend,
  literal,
  maxLength,
  minLength,
  number,
  object,
  optional,
  pipe,
  refine,
  string,
  transform,
  union,
} from 'zod/mini'
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
import type { KVLike } from '../env.js'
import { foldHeaderName, HOP_BY_HOP_HEADERS, isReservedHeader } from '../header-names.js'
import { normalizePath } from '../path.js'
import type { DurableObjectNamespaceLike } from '../stores/replay-durable-object.js'

/** Upper bound of CLOCK_TOLERANCE: more skew than this hides a broken clock rather than absorbing drift. */
const MAX_CLOCK_TOLERANCE_SECONDS = 300
export const DEFAULT_CLAIM_HEADERS = 'sub:X-Auth-Subject,iss:X-Auth-Issuer,scope:X-Auth-Scope'

/** Unset and blank mean the same; TOML numbers and booleans arrive as their text. */
const text = pipe(
  optional(union([string(), number(), boolean()])),
  transform((value) => {
    if (value === undefined) return undefined
    const trimmed = String(value).trim()
    return trimmed === '' ? undefined : trimmed
  }),
)

const required = pipe(text, string('is required'))

function split<T extends string | undefined>(separator: RegExp) {
  return transform((value: T) =>
    value === undefined ? [] : value.split(separator).map((item) => item.trim()),
  )
}

const unique = (values: readonly string[]) => new Set(values).size === values.length

const fetchableUrl = string().check(refine(isFetchableUrl, 'must be an https URL (http only on loopback)'))

const issuers = pipe(
  pipe(required, split<string>(/,/)),
  array(fetchableUrl).check(refine(unique, 'names an issuer twice')),
)

const audienceList = array(string().check(minLength(1, 'has an empty entry')))
const audiences = pipe(pipe(required, split<string>(/,/)), audienceList)
/** With RESOURCES, each resource is its own audience and AUDIENCE only covers other paths. */
const optionalAudiences = pipe(pipe(text, split<string | undefined>(/,/)), audienceList)
/** A comma-separated list of non-empty values; unset is an empty list. */
const list = pipe(
  pipe(text, split<string | undefined>(/,/)),
  array(string().check(minLength(1, 'has an empty entry'))),
)

/** ARNs of the load balancers whose `x-amzn-oidc-data` tokens are accepted (ALB mode). */
const albSigners = pipe(
  pipe(text, split<string | undefined>(/,/)),
  array(
    string().check(
      refine((value) => parseAlbArn(value) !== undefined, 'must list application load balancer ARNs'),
    ),
  ).check(refine(unique, 'names a load balancer twice')),
)

/** `token_use` a token must carry (Cognito `access`). */
const tokenUse = pipe(
  text,
  custom<string | undefined>(
    (value) => value === undefined || /^[\x21-\x7e]+$/.test(value),
    'must be one claim value without spaces',
  ),
)

/** A comma-separated list whose every entry is one of `allowed`. */
function oneOfList<T extends string>(allowed: readonly T[], message: string) {
  return pipe(
    pipe(text, split<string | undefined>(/,/)),
    array(
      union(
        allowed.map((alg) => literal(alg)),
        message,
      ),
    ),
  )
}

const algorithms = oneOfList(
  ASYMMETRIC_ALGORITHMS,
  'must list asymmetric JWS algorithms (RS256 … EdDSA); HMAC needs a local secret the gateway does not take',
)

const upstream = pipe(
  text,
  custom<string | undefined>(
    (value) => value === undefined || isUpstreamBase(value),
    'must be an http(s) URL, optionally with a path, without query, fragment or credentials',
  ),
)

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

const publicPaths = pipe(
  pipe(text, split<string | undefined>(/,/)),
  array(
    pipe(
      string().check(refine((path) => path.startsWith('/'), 'must start with /')),
      transform((path, ctx) => {
        const normal = normalizePath(path)
        if (!normal.ok || normal.path === '/' || path.includes('?') || path.includes('#')) {
          ctx.issues.push({
            code: 'custom',
            input: path,
            message: 'must be a plain path other than /, without encoded separators, ? or #',
          })
          return ''
        }
        return normal.path.replace(/\/+$/, '')
      }),
    ),
  ),
)

const scopes = pipe(
  pipe(text, split<string | undefined>(/\s+/)),
  array(string().check(refine((scope) => SCOPE_TOKEN.test(scope), 'must be space-separated scope tokens'))),
)

/** One `claim:Header` pair. */
export interface ClaimHeader {
  claim: string
  /** Lower-cased header name. */
  header: string
}

const claimHeader = pipe(
  string(),
  transform((pair, ctx): ClaimHeader => {
    const colon = pair.lastIndexOf(':')
    const claim = pair.slice(0, colon).trim()
    const header = pair
      .slice(colon + 1)
      .trim()
      .toLowerCase()
    let problem: string | undefined
    if (colon <= 0 || claim === '' || !HTTP_TOKEN.test(header)) problem = 'must be claim:Header-Name'
    else if (isReservedHeader(header)) problem = `may not set the reserved header ${foldHeaderName(header)}`
    if (problem !== undefined) ctx.issues.push({ code: 'custom', input: pair, message: problem })
    return { claim, header }
  }),
)

/** Blank CLAIM_HEADERS means "forward no identity headers"; unset means the default. */
const claimHeaders = pipe(
  optional(string()),
  pipe(
    transform((value: string | undefined) => {
      const source = value ?? DEFAULT_CLAIM_HEADERS
      return source.trim() === '' ? [] : source.split(',').map((item) => item.trim())
    }),
    array(claimHeader).check(
      refine(
        (pairs) => unique(pairs.map((pair) => foldHeaderName(pair.header))),
        'names a header twice (compared case-insensitively, with _ and - alike)',
      ),
    ),
  ),
)

/**
 * A header whose whole value is the token (Cloudflare Access `Cf-Access-Jwt-Assertion`, so a
 * `cf-*` name is fine here, unlike for CLAIM_HEADERS); lower-cased. Not Authorization or Cookie,
 * and not a hop-by-hop field, which no proxy passes on.
 */
const tokenHeader = pipe(
  text,
  transform((value, ctx) => {
    if (value === undefined) return undefined
    if (!isTokenHeaderName(value) || HOP_BY_HOP_HEADERS.has(value.toLowerCase())) {
      ctx.issues.push({
        code: 'custom',
        input: value,
        message: 'must be a header name other than Authorization, Cookie or a hop-by-hop field',
      })
    }
    return value.toLowerCase()
  }),
)

/** A `true`/`false` variable with its default. */
function flag(fallback: boolean) {
  return pipe(
    text,
    transform((value, ctx) => {
      const lower = value?.toLowerCase() ?? String(fallback)
      if (lower !== 'true' && lower !== 'false') {
        ctx.issues.push({ code: 'custom', input: value, message: 'must be true or false' })
      }
      return lower === 'true'
    }),
  )
}

/** Undefined when unset: the default depends on RESOURCES (see `loadConfig`). */
const forwardToken = pipe(
  text,
  transform((value, ctx) => {
    if (value === undefined) return undefined
    const lower = value.toLowerCase()
    if (lower !== 'true' && lower !== 'false') {
      ctx.issues.push({ code: 'custom', input: value, message: 'must be true or false' })
    }
    return lower !== 'false'
  }),
)

/** DPoP (RFC 9449): `off`, `on` (Bearer still taken for unbound tokens) or `only`. */
const dpopMode = pipe(
  text,
  transform((value, ctx) => {
    const lower = value?.toLowerCase() ?? 'off'
    if (lower !== 'off' && lower !== 'on' && lower !== 'only') {
      ctx.issues.push({ code: 'custom', input: value, message: 'must be off, on or only' })
    }
    return lower as 'off' | 'on' | 'only'
  }),
)

const dpopAlgorithms = oneOfList(
  DEFAULT_DPOP_ALGORITHMS,
  'must list asymmetric JWS algorithms (never none or HS*)',
)

const dpopIatWindow = pipe(
  text,
  transform((value, ctx) => {
    if (value === undefined) return DEFAULT_DPOP_IAT_WINDOW_SECONDS
    const seconds = /^\d{1,6}$/.test(value) ? Number(value) : Number.NaN
    if (!(seconds >= 1 && seconds <= MAX_DPOP_IAT_WINDOW_SECONDS)) {
      ctx.issues.push({
        code: 'custom',
        input: value,
        message: `must be whole seconds from 1 to ${MAX_DPOP_IAT_WINDOW_SECONDS}`,
      })
    }
    return seconds
  }),
)

const nonceSecret = pipe(
  text,
  custom<string | undefined>(
    (value) => value === undefined || value.length >= MIN_NONCE_SECRET_LENGTH,
    `must be at least ${MIN_NONCE_SECRET_LENGTH} characters`,
  ),
)

const headerName = pipe(
  text,
  custom<string | undefined>(
    (value) => value === undefined || HTTP_TOKEN.test(value),
    'must be a header name',
  ),
)

const durableObjectNamespace = optional(
  custom<DurableObjectNamespaceLike>(
    (value) =>
      typeof value === 'object' &&
      value !== null &&
      typeof (value as Partial<DurableObjectNamespaceLike>).idFromName === 'function' &&
      typeof (value as Partial<DurableObjectNamespaceLike>).get === 'function',
    'must be a Durable Object namespace binding (class DpopReplayObject)',
  ),
)

/** Whole seconds from 0 to `max`; `fallback` when unset. */
function wholeSeconds<F extends number | undefined>(max: number, fallback: F) {
  return pipe(
    text,
    transform((value, ctx): number | F => {
      if (value === undefined) return fallback
      const seconds = /^\d{1,9}$/.test(value) ? Number(value) : Number.NaN
      if (!(seconds <= max)) {
        ctx.issues.push({ code: 'custom', input: value, message: `must be whole seconds from 0 to ${max}` })
      }
      return seconds
    }),
  )
}

const clockTolerance = wholeSeconds(MAX_CLOCK_TOLERANCE_SECONDS, DEFAULT_CLOCK_TOLERANCE_SECONDS)

const kv = optional(
  custom<KVLike>(
    (value) =>
      typeof value === 'object' &&
      value !== null &&
      typeof (value as Partial<KVLike>).get === 'function' &&
      typeof (value as Partial<KVLike>).put === 'function',
    'must be a KV namespace binding',
  ),
)

const jwksSources = pipe(
  pipe(text, split<string | undefined>(/,/)),
  array(fetchableUrl).check(refine(unique, 'names a source twice')),
)

const denyKids = pipe(
  pipe(text, split<string | undefined>(/,/)),
  array(
    string().check(minLength(1, 'has an empty entry'), maxLength(1024, 'has a kid over 1024 characters')),
  ),
)

/**
 * Protected resources (RFC 9728): canonical identifiers (RFC 8707), each one's path being the
 * path prefix it covers, so it must be a plain path the normaliser leaves as it is.
 */
const resources = pipe(
  pipe(text, split<string | undefined>(/,/)),
  array(
    pipe(
      string(),
      transform((value, ctx) => {
        let canonical: string | undefined
        try {
          canonical = canonicalResource(value)
        } catch {
          canonical = undefined
        }
        const normal = canonical === undefined ? undefined : normalizePath(new URL(canonical).pathname)
        if (canonical === undefined || !normal?.ok || normal.path !== new URL(canonical).pathname) {
          ctx.issues.push({
            code: 'custom',
            input: value,
            message: 'must be an absolute https URL without query or fragment, its path a plain path',
          })
          return ''
        }
        return canonical
      }),
    ),
  ).check(refine(unique, 'names a resource twice')),
)

const authorizationServers = pipe(
  pipe(text, split<string | undefined>(/,/)),
  array(fetchableUrl).check(refine(unique, 'names a server twice')),
)

const acrValues = pipe(
  pipe(text, split<string | undefined>(/\s+/)),
  array(string().check(refine((value) => SCOPE_TOKEN.test(value), 'must be space-separated acr values'))),
)

/** Largest STEP_UP_MAX_AGE: a year; more is a typo for "no limit", which is leaving it unset. */
const MAX_STEP_UP_AGE_SECONDS = 365 * 24 * 3600

const stepUpMaxAge = wholeSeconds(MAX_STEP_UP_AGE_SECONDS, undefined)

/**
 * docs/gateway.md, one schema per variable, in the order problems are reported. Cross-variable rules
 * (JWKS_URI needs a single ISSUER) live in `loadConfig`.
 */
export const gatewayEnvSchema = object({
  ISSUER: issuers,
  ISSUER_ALIASES: pipe(
    pipe(text, split<string | undefined>(/,/)),
    array(fetchableUrl).check(refine(unique, 'names an alias twice')),
  ),
  TENANTS: list,
  AUDIENCE: audiences,
  CLIENT_IDS: list,
  TOKEN_USE: tokenUse,
  JWKS_URI: pipe(text, optional(fetchableUrl)),
  JWKS_FORMAT: pipe(
    text,
    custom<'jwks' | 'x509-certificates' | undefined>(
      (value) => value === undefined || value === 'jwks' || value === 'x509-certificates',
      'must be jwks or x509-certificates',
    ),
  ),
  ALGORITHMS: algorithms,
  AWS_ALB_SIGNERS: albSigners,
  AWS_ALB_KEYS_URL: pipe(text, optional(fetchableUrl)),
  UPSTREAM: upstream,
  PUBLIC_PATHS: publicPaths,
  REQUIRED_SCOPES: scopes,
  CLAIM_HEADERS: claimHeaders,
  TOKEN_HEADER: tokenHeader,
  FORWARD_TOKEN: forwardToken,
  CLOCK_TOLERANCE: clockTolerance,
  JWKS_CACHE: kv,
  JWKS_SOURCES: jwksSources,
  JWKS_DENY_KIDS: denyKids,
  DPOP: dpopMode,
  DPOP_ALGORITHMS: dpopAlgorithms,
  DPOP_IAT_WINDOW: dpopIatWindow,
  DPOP_NONCE_SECRET: nonceSecret,
  DPOP_NONCE_SECRET_PREVIOUS: nonceSecret,
  DPOP_TRUST_FORWARDED: flag(false),
  DPOP_REPLAY: durableObjectNamespace,
  MTLS_CERT_HEADER: headerName,
  RESOURCES: resources,
  AUTHORIZATION_SERVERS: authorizationServers,
  SCOPES_SUPPORTED: scopes,
  STEP_UP_ACR_VALUES: acrValues,
  STEP_UP_MAX_AGE: stepUpMaxAge,
  // The same grammar as PUBLIC_PATHS: plain path prefixes, matched on segment boundaries.
  STEP_UP_PATHS: publicPaths,
})

/** The same, for a gateway with RESOURCES, CLIENT_IDS or AWS_ALB_SIGNERS: AUDIENCE becomes optional. */
export const resourceGatewayEnvSchema = extend(gatewayEnvSchema, { AUDIENCE: optionalAudiences })
