import { EVENT_KID_LENGTH, eventText } from '../cache/events.js'
import { FetchFailure } from '../cache/fetch-failure.js'
import type { KeySetStore } from '../cache/key-set-store.js'
import { RemoteKeySource, type WaitUntil } from '../cache/key-source.js'
import type { KeyCacheLimits } from '../cache/limits.js'
import { parseCertificateMap } from '../cache/parse-certificates.js'
import type { ParsedJwks } from '../cache/parse-jwks.js'
import { isJwksDocument, type PublicJwk } from '../jwk/public-jwk.js'
import type { KeyFormat } from '../verifier/options.js'
import { type JwksDropReason, type JwksFilterRules, partitionJwks } from './filter.js'

/**
 * A source of the published set: a JWKS URL, or an issuer whose `jwks_uri` is discovered (or
 * given), serving a JWK Set or, with `keyFormat: 'x509-certificates'`, Google's kid → PEM
 * certificate map (Firebase), as the verifier's `keyFormat` says.
 */
export type PublicJwksSource = string | { issuer: string; jwksUri?: string; keyFormat?: KeyFormat }

/**
 * How each key format's body becomes a JWK Set to filter: a certificate map is read by the
 * verifier's own parser (src/cache/parse-certificates.ts), so the published keys are the ones
 * the verifier trusts. A stored copy is already a JWK Set, which both readers take as it is.
 */
const READERS: { readonly [F in KeyFormat]: (body: unknown, maxKeys: number) => Promise<unknown> } = {
  jwks: async (body) => body,
  'x509-certificates': async (body, maxKeys) => ({ keys: (await parseCertificateMap(body, maxKeys)).keys }),
}

/** Whether `value` names a key format a source may have. */
export function isKeyFormat(value: unknown): value is KeyFormat {
  return typeof value === 'string' && Object.hasOwn(READERS, value)
}

/** What the publisher reports: never a key, a body or a token. */
export type PublicJwksEvent =
  | { type: 'source_failed'; source: string; reason: string; retryInMs: number }
  | { type: 'key_dropped'; source: string; kid: string | undefined; reason: JwksDropReason }

/** One source's published keys at one moment. */
export interface SourceKeys {
  readonly keys: readonly PublicJwk[]
  readonly fetchedAt: number
  readonly maxAgeMs: number
}

/** Everything a source needs, shared by all sources of one handler; nothing per request. */
export interface SourceContext {
  fetch: typeof fetch
  now: () => number
  store: KeySetStore | undefined
  limits: KeyCacheLimits
  rules: JwksFilterRules
  onEvent: (event: PublicJwksEvent) => void
}

/** A publisher without a shared store still needs one to hand to the key source. */
const NO_STORE: KeySetStore = { get: async () => undefined, put: async () => undefined }
/** A source set that is JSON but nothing we may publish. */
const DOCUMENT = { kind: 'document' } as const

/**
 * One source of the published set. It is the verifier's own key source (docs/verifier.md#how-keys-are-fetched-and-cached freshness,
 * ETag, last-known-good, backoff, coalescing, shared store) with a different reading of the
 * body: a source may be an admin endpoint holding private keys, so keys are reduced to their
 * public members instead of failing the set, and the publishing rules of docs/gateway.md#the-public-jwks-well-knownjwksjson apply.
 */
export class PublicSource {
  readonly label: string
  readonly #source: RemoteKeySource
  readonly #context: SourceContext

  constructor(spec: PublicJwksSource, context: SourceContext) {
    this.#context = context
    this.label = typeof spec === 'string' ? spec : spec.issuer
    const jwksUri = typeof spec === 'string' ? spec : spec.jwksUri
    const read = READERS[typeof spec === 'string' ? 'jwks' : (spec.keyFormat ?? 'jwks')]
    this.#source = new RemoteKeySource({
      issuer: this.label,
      jwksUri,
      fetch: context.fetch,
      now: context.now,
      store: context.store ?? NO_STORE,
      storeKey: `jwks-gateway/public/v1 ${this.label} ${jwksUri ?? 'discovery'}`,
      ...context.limits,
      cooldownMs: 0,
      parse: async (body) => this.#publishable(await read(body, context.limits.maxKeys)),
      onEvent: (event) => {
        if (event.type !== 'fetch_failed') return
        const { reason, retryInMs } = event
        context.onEvent({ type: 'source_failed', source: this.label, reason, retryInMs })
      },
    })
  }

  /**
   * The keys to publish now: fresh ones; else the last good ones within the stale window while
   * a refresh runs in the background; else those of a refresh awaited now. Undefined: nothing
   * to publish (the source is failing and has nothing left that may still be served).
   */
  async current(waitUntil?: WaitUntil): Promise<SourceKeys | undefined> {
    try {
      return await this.#source.load(waitUntil)
    } catch {
      return undefined
    }
  }

  /** Milliseconds until this source may be fetched again after a failure (0: now). */
  retryInMs(): number {
    return this.#source.health().retryInMs
  }

  /**
   * A bad set is a failed fetch (last good kept), never "publish nothing": not a JWK Set (nor a
   * certificate map with a usable certificate), too many keys, or not one key that may be
   * published (all symmetric, for encryption, denied...).
   */
  #publishable(body: unknown): ParsedJwks {
    if (!isJwksDocument(body)) throw new FetchFailure('body is not a JWK Set', DOCUMENT)
    const { maxKeys } = this.#context.limits
    if (body.keys.length > maxKeys) throw new FetchFailure(`more than ${maxKeys} keys`, DOCUMENT)
    const { keys, dropped } = partitionJwks(body, this.#context.rules)
    for (const { kid, reason } of dropped) {
      const safeKid = eventText(kid, EVENT_KID_LENGTH)
      this.#context.onEvent({ type: 'key_dropped', source: this.label, kid: safeKid, reason })
    }
    if (keys.length === 0) throw new FetchFailure('JWK Set has no publishable key', DOCUMENT)
    return { keys, ignored: [] }
  }
}
