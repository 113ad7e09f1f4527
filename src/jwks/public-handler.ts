import { base64url } from 'jose'
import { guardedObserver } from '../cache/events.js'
import type { KeySetStore } from '../cache/key-set-store.js'
import { resolveKeyCacheLimits } from '../cache/limits.js'
import { isFetchableUrl } from '../cache/transport.js'
import { VerifierConfigError } from '../errors.js'
import { jsonResponse } from '../http/json-response.js'
import type { Algorithm } from '../jwk/algorithms.js'
import { type OptionNames, refuseUnknownOptions } from '../verifier/option-names.js'
import { filterJwks } from './filter.js'
import {
  isKeyFormat,
  type PublicJwksEvent,
  type PublicJwksSource,
  PublicSource,
  type SourceKeys,
} from './public-source.js'

export type { PublicJwksEvent, PublicJwksSource } from './public-source.js'

/** Options of {@link publicJwksHandler}. */
export interface PublicJwksHandlerOptions {
  /**
   * What to merge: JWKS URLs, or issuers (`{ issuer, jwksUri?, keyFormat? }`) whose `jwks_uri` is
   * found by discovery; `keyFormat: 'x509-certificates'` reads a kid → PEM certificate map
   * (Firebase) as the verifier does. `https:` only, `http:` on loopback only. At least one.
   */
  sources: readonly PublicJwksSource[]
  /** Keys must fit one of these (docs/gateway.md#the-public-jwks-well-knownjwksjson). Default: the docs/verifier.md#verification-policy asymmetric set. */
  algorithms?: readonly Algorithm[]
  /** Key ids never published. */
  denyKids?: readonly string[]
  /** Used for every source fetch. Default: global `fetch`. */
  fetch?: typeof fetch
  /** Epoch-ms clock. Default `Date.now`. */
  now?: () => number
  /** Shares fetched sets between isolates or instances (a `KeySetStore`, as the verifier's). */
  store?: KeySetStore
  /** Deadline of one source fetch, body included, in ms: an integer in [1, 300000]. Default 5000. */
  timeoutMs?: number
  /** Largest source body accepted, in bytes (a positive integer). Default 256 KiB. */
  maxBodyBytes?: number
  /** Most keys accepted from one source (a positive integer). Default 100. */
  maxKeys?: number
  /** How long past expiry a failing source's last good keys are still published, in ms. Default 24 h. */
  maxStaleMs?: number
  /** Observes failed sources and dropped keys; a throw is ignored. */
  onEvent?: (event: PublicJwksEvent) => void
}

/** Every {@link PublicJwksHandlerOptions} name: `publicJwksHandler()` refuses any other. */
const PUBLIC_JWKS_OPTION_NAMES: OptionNames<PublicJwksHandlerOptions> = {
  sources: true,
  algorithms: true,
  denyKids: true,
  fetch: true,
  now: true,
  store: true,
  timeoutMs: true,
  maxBodyBytes: true,
  maxKeys: true,
  maxStaleMs: true,
  onEvent: true,
}

/**
 * A framework-neutral handler: give it the request for `/.well-known/jwks.json`, and on Workers
 * the `ExecutionContext`, so that a background refresh of a stale source outlives the answer.
 */
export type PublicJwksHandler = (
  request: Request,
  context?: { waitUntil(promise: Promise<unknown>): void },
) => Promise<Response>

/** RFC 7517 §8.5.1. */
const JWK_SET_CONTENT_TYPE = 'application/jwk-set+json'
/**
 * Sent with every source fetch. A request that carries it comes from a publisher (this one, or
 * another instance) fetching a source that is a publisher's endpoint: it is answered 508 without
 * fetching anything, so a source that points back at this endpoint costs one hop, not a loop.
 * Nothing the client sends (its `Host`, an absolute-form target) decides what is fetched; a
 * client that sends the header itself only gets a 508 for its own request.
 */
const LOOP_HEADER = 'jwks-gateway-loop'
/** How long browsers may cache the answer to a CORS preflight of this endpoint. */
const PREFLIGHT_MAX_AGE_SECONDS = 86_400
const ALLOWED_METHODS = 'GET, HEAD, OPTIONS'

/**
 * Serves the filtered public JWKS of docs/gateway.md#the-public-jwks-well-knownjwksjson: the sources merged, reduced by `filterJwks`
 * (asymmetric signing keys with an allowed `alg`, not denied, public members only, each key
 * once), as `application/jwk-set+json` with `Cache-Control: public, max-age=N` where N is the
 * least remaining freshness of the sources (0 while one is failing or stale), a strong `ETag`
 * (SHA-256 of the body) answered with 304 on `If-None-Match`, and `Access-Control-Allow-Origin: *`.
 * `HEAD` gets the headers only; other methods 405. A stale source is served while it refreshes in
 * the background (pass `ctx` on Workers). A failing source (also one whose answer holds no key
 * that may be published) keeps its last good keys; when no source has any, the answer is 503
 * with `Retry-After`, never an empty set that clients would cache. A source that is this very
 * endpoint is refused on the hop back ({@link LOOP_HEADER}), whatever `Host` a client sends.
 *
 * Sources are fetched with the verifier's limits (docs/verifier.md#how-keys-are-fetched-and-cached: 5 s including the body, 256 KiB,
 * no redirects, https or loopback). Build the handler once per process or isolate: its cache
 * lives as long as it does.
 *
 * @example
 * const jwks = publicJwksHandler({ sources: ['https://idp.example.com/.well-known/jwks.json'] })
 * app.get('/.well-known/jwks.json', (c) => jwks(c.req.raw))
 */
export function publicJwksHandler(options: PublicJwksHandlerOptions): PublicJwksHandler {
  if (typeof options !== 'object' || options === null) {
    throw new VerifierConfigError('publicJwksHandler() needs an options object', undefined)
  }
  refuseUnknownOptions('publicJwksHandler()', options, PUBLIC_JWKS_OPTION_NAMES)
  const sources = checkSources(options.sources)
  const rules = {
    ...(options.algorithms === undefined ? {} : { algorithms: options.algorithms }),
    ...(options.denyKids === undefined ? {} : { denyKids: options.denyKids }),
  }
  const limits = resolveKeyCacheLimits(options)
  const now = options.now ?? Date.now
  const fetchSource = options.fetch ?? ((input: RequestInfo | URL, init?: RequestInit) => fetch(input, init))
  const context = {
    fetch: (input: RequestInfo | URL, init?: RequestInit) => {
      const headers = new Headers(init?.headers)
      headers.set(LOOP_HEADER, '1')
      return fetchSource(input, { ...init, headers })
    },
    now,
    store: options.store,
    limits,
    rules,
    onEvent: guardedObserver<PublicJwksEvent>(options.onEvent),
  }
  const publishers = sources.map((source) => new PublicSource(source, context))

  return async function publicJwks(request, executionContext): Promise<Response> {
    const method = request.method.toUpperCase()
    if (method === 'OPTIONS') return preflight()
    if (method !== 'GET' && method !== 'HEAD') {
      return new Response(null, { status: 405, headers: { allow: ALLOWED_METHODS } })
    }
    if (request.headers.has(LOOP_HEADER)) return loopDetected(method)
    const waitUntil =
      executionContext === undefined
        ? undefined
        : (promise: Promise<unknown>) => executionContext.waitUntil(promise)
    const current = await Promise.all(publishers.map((publisher) => publisher.current(waitUntil)))
    const published = filterJwks({ keys: current.flatMap((keys) => keys?.keys ?? []) }, rules)
    if (published.keys.length === 0) {
      const retryInMs = Math.min(...publishers.map((publisher) => publisher.retryInMs()))
      return unavailable(method, Math.max(1, Math.ceil(retryInMs / 1000)))
    }
    const body = JSON.stringify(published)
    const headers = new Headers({
      'content-type': JWK_SET_CONTENT_TYPE,
      'cache-control': `public, max-age=${maxAgeSeconds(current, now())}`,
      etag: await strongEtag(body),
      'access-control-allow-origin': '*',
      'x-content-type-options': 'nosniff',
    })
    if (etagMatches(request.headers.get('if-none-match'), headers.get('etag') ?? '')) {
      headers.delete('content-type')
      return new Response(null, { status: 304, headers })
    }
    return new Response(method === 'HEAD' ? null : body, { status: 200, headers })
  }
}

function checkSources(sources: readonly PublicJwksSource[] | undefined): readonly PublicJwksSource[] {
  if (!Array.isArray(sources) || sources.length === 0) {
    throw new VerifierConfigError('"sources" option must list at least one JWKS URL or issuer', 'sources')
  }
  if (!(sources as readonly unknown[]).every(isValidSource)) {
    throw new VerifierConfigError(
      '"sources" entries must be https URLs (http only on loopback) or { issuer, jwksUri?, keyFormat? }',
      'sources',
    )
  }
  return sources
}

/**
 * A fetchable JWKS URL, or an issuer that is fetchable itself (discovery) or has a fetchable
 * `jwksUri`, with a known `keyFormat` if any.
 */
function isValidSource(source: unknown): boolean {
  if (typeof source === 'string') return isFetchableUrl(source)
  if (typeof source !== 'object' || source === null) return false
  const { issuer, jwksUri, keyFormat } = source as {
    issuer?: unknown
    jwksUri?: unknown
    keyFormat?: unknown
  }
  if (typeof issuer !== 'string' || issuer === '') return false
  if (keyFormat !== undefined && !isKeyFormat(keyFormat)) return false
  if (jwksUri === undefined) return isFetchableUrl(issuer)
  return typeof jwksUri === 'string' && isFetchableUrl(jwksUri)
}

/** The least remaining freshness of the sources: a stale or failing one makes it 0. */
function maxAgeSeconds(current: readonly (SourceKeys | undefined)[], now: number): number {
  let remainingMs = Number.POSITIVE_INFINITY
  for (const keys of current) {
    const left = keys === undefined ? 0 : keys.maxAgeMs - (now - keys.fetchedAt)
    remainingMs = Math.min(remainingMs, Math.max(0, left))
  }
  return Math.floor(remainingMs / 1000)
}

async function strongEtag(body: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(body))
  return `"${base64url.encode(new Uint8Array(digest))}"`
}

/** RFC 9110 §13.1.2: `*` or a list of entity tags, compared weakly. */
function etagMatches(header: string | null, etag: string): boolean {
  if (header === null) return false
  if (header.trim() === '*') return true
  return header.split(',').some((tag) => tag.trim().replace(/^W\//, '') === etag)
}

function preflight(): Response {
  return new Response(null, {
    status: 204,
    headers: {
      'access-control-allow-origin': '*',
      'access-control-allow-methods': 'GET, HEAD',
      'access-control-allow-headers': 'if-none-match',
      'access-control-max-age': String(PREFLIGHT_MAX_AGE_SECONDS),
    },
  })
}

/** RFC 5842 §7.2: a request that came back to us from one of our own source fetches. */
function loopDetected(method: string): Response {
  const body = { error: 'loop_detected', error_description: 'A JWKS source points back at this endpoint' }
  return jsonResponse(method, 508, body)
}

function unavailable(method: string, retryAfterSeconds: number): Response {
  const body = { error: 'temporarily_unavailable', error_description: 'No key source is available' }
  return jsonResponse(method, 503, body, {
    'retry-after': String(retryAfterSeconds),
    'access-control-allow-origin': '*',
  })
}
