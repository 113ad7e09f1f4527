import { FetchFailure } from '../cache/fetch-failure.js'
import { RemoteKeySource, type WaitUntil } from '../cache/key-source.js'
import type { ParsedJwks } from '../cache/parse-jwks.js'
import type { KeySetStore } from '../cache/store.js'
import { jwksDocumentSchema, type PublicJwk } from '../jwk/public-jwk.js'
import { type JwksDropReason, type JwksFilterRules, partitionJwks } from './filter.js'

/** A source of the published set: a JWKS URL, or an issuer whose `jwks_uri` is discovered. */
export type PublicJwksSource = string | { issuer: string; jwksUri?: string }

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

/** Everything a source needs, shared by all sources of one handler. */
export interface SourceContext {
  fetch: typeof fetch
  now: () => number
  store: KeySetStore | undefined
  timeoutMs: number
  maxBodyBytes: number
  maxKeys: number
  maxStaleMs: number
  rules: JwksFilterRules
  onEvent: (event: PublicJwksEvent) => void
}

/** A publisher without a shared store still needs one to hand to the key source. */
const NO_STORE: KeySetStore = { get: async () => undefined, put: async () => undefined }

/**
 * One source of the published set. It is the verifier's own key source (SPEC §4 freshness,
 * ETag, last-known-good, backoff, coalescing, shared store) with a different reading of the
 * body: a source may be an admin endpoint holding private keys, so keys are reduced to their
 * public members instead of failing the set, and the publishing rules of SPEC §7 apply.
 */
export class PublicSource {
  readonly label: string
  readonly #source: RemoteKeySource
  readonly #context: SourceContext
  /** The origin of the request being answered: the publisher never fetches itself. */
  #ownOrigin = ''

  constructor(spec: PublicJwksSource, context: SourceContext) {
    this.#context = context
    this.label = typeof spec === 'string' ? spec : spec.issuer
    const jwksUri = typeof spec === 'string' ? spec : spec.jwksUri
    this.#source = new RemoteKeySource({
      issuer: this.label,
      jwksUri,
      fetch: context.fetch,
      now: context.now,
      store: context.store ?? NO_STORE,
      storeKey: `jwks-gateway/public/v1 ${this.label} ${jwksUri ?? 'discovery'}`,
      timeoutMs: context.timeoutMs,
      maxBodyBytes: context.maxBodyBytes,
      maxKeys: context.maxKeys,
      cooldownMs: 0,
      maxStaleMs: context.maxStaleMs,
      parse: (body) => this.#publishable(body),
      refuseUrl: (url) => new URL(url).origin === this.#ownOrigin,
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
  async current(ownOrigin: string, waitUntil?: WaitUntil): Promise<SourceKeys | undefined> {
    this.#ownOrigin = ownOrigin
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

  /** A bad set is a failed fetch (last good kept), never "publish nothing" (SPEC §4 "bad JWKS"). */
  #publishable(body: unknown): ParsedJwks {
    const document = jwksDocumentSchema.safeParse(body)
    if (!document.success) throw new FetchFailure('body is not a JWK Set')
    if (document.data.keys.length === 0) throw new FetchFailure('JWK Set is empty')
    if (document.data.keys.length > this.#context.maxKeys) {
      throw new FetchFailure(`more than ${this.#context.maxKeys} keys`)
    }
    const { keys, dropped } = partitionJwks(document.data, this.#context.rules)
    for (const { kid, reason } of dropped) {
      this.#context.onEvent({ type: 'key_dropped', source: this.label, kid: kid?.slice(0, 64), reason })
    }
    return { keys, ignored: [] }
  }
}
