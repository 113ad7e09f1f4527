import type { JWK, JWTPayload } from 'jose'
import type { AsymmetricAlgorithm } from '../jwk/algorithms.js'

/**
 * An algorithm the test issuer can generate a key for: every asymmetric algorithm of docs/verifier.md#verification-policy.
 * HMAC is left out because a JWKS never carries shared secrets.
 */
export type TestAlgorithm = AsymmetricAlgorithm

/** Which well-known documents the issuer publishes. */
export type DiscoveryFlavour = 'oidc' | 'oauth' | 'both' | 'none'

/** Which endpoints a failure mode applies to; `'all'` is discovery and JWKS, never the admin routes. */
export type FailureTarget = 'jwks' | 'discovery' | 'all'

/**
 * How an endpoint misbehaves, to exercise a client's error handling. Every mode settles when the
 * request's signal aborts, and clears its timers, so nothing outlives a test.
 */
export type FailureMode =
  /** Connection refused: `issuer.fetch` rejects with `TypeError('fetch failed')`; `handle()` answers 503 and the Node server destroys the socket. */
  | { kind: 'down' }
  /** No answer, ever; rejects with the signal's reason when the request aborts. */
  | { kind: 'hang' }
  /** The normal answer, after `delayMs`. */
  | { kind: 'slow'; delayMs: number }
  /** 200 and headers at once, then a JSON-looking body one byte per `intervalMs` that never ends. */
  | { kind: 'drip'; intervalMs: number }
  /** A fixed answer: 500, 503, 404, 204, 301 with a `Location` header, ... (200–599). */
  | { kind: 'status'; status: number; headers?: Record<string, string>; body?: string }
  /** 429 with `Retry-After`. */
  | { kind: 'rate-limited'; retryAfterSeconds: number }
  /** 200 `application/json` whose body is not a usable document; default `{`. */
  | { kind: 'bad-json'; body?: string }
  /**
   * 200 with a streamed JSON-looking body of exactly `bytes` bytes, generated chunk by chunk.
   * `declareLength` adds a truthful `Content-Length`, to test clients that refuse early.
   */
  | { kind: 'huge'; bytes: number; declareLength?: boolean }
  /** A redirect to `location`; default status 302. */
  | { kind: 'redirect'; location: string; status?: 301 | 302 | 307 | 308 }

/** Options of {@link createTestIssuer}. */
export interface TestIssuerOptions {
  /** The `iss` of tokens and discovery documents, compared exactly by clients. Default `https://issuer.test`. */
  issuer?: string
  /** Put into `aud` of signed tokens unless the claims say otherwise. Default `https://api.test`. */
  audience?: string
  /** One key is generated per entry, in this order. Default `['RS256']`; RSA keys have 2048 bits. */
  algorithms?: readonly TestAlgorithm[]
  /** `Cache-Control: public, max-age=N` on JWKS responses; `null` sends none. Default 600. */
  maxAgeSeconds?: number | null
  /** Which well-known documents exist; the others answer 404. Default `'oidc'`. */
  discovery?: DiscoveryFlavour
  /** Enables `POST /token`, `POST /rotate` and `POST /fail` under the issuer URL. Default false. */
  admin?: boolean
  /** Epoch-ms clock for `iat` and `exp` of signed tokens. Default `Date.now`. */
  now?: () => number
}

/**
 * Claims of a signed token: a JWT payload in which any member may be `undefined`, the way to
 * leave a default claim (`aud`, `exp`...) out of the token.
 */
export type TestClaims = { [K in keyof JWTPayload]?: JWTPayload[K] | undefined }

/** Options of {@link TestIssuer.sign}. */
export interface SignOptions {
  /** Default: the first key's alg. The newest key with this alg signs. */
  alg?: TestAlgorithm
  /**
   * Default: the signing key's kid. `null` omits `kid`. A kid of a current key selects that key
   * (when `alg` is absent or agrees); any other string is put in the header of a token signed by
   * the alg's key, to provoke kid misses.
   */
  kid?: string | null
  /** Extra or overriding protected header members (`typ`, `crit`, `jku`, ...); `undefined` removes one. `alg` cannot be overridden. */
  header?: Record<string, unknown>
  /** Lifetime used for the default `exp`. Default 300. */
  expiresInSeconds?: number
}

/** Options of {@link TestIssuer.rotate}. */
export interface RotateOptions {
  /** Default: the first configured algorithm. */
  alg?: TestAlgorithm
  /** Keep the other keys (after the new one). Default true. */
  keepPrevious?: boolean
}

/** Requests received per endpoint, served or failed. The object is live: it changes as requests arrive. */
export interface TestIssuerCounts {
  readonly discovery: number
  readonly jwks: number
  /** Requests to unknown paths of the issuer, and every `issuer.fetch` call to another origin. */
  readonly unexpected: number
  readonly admin: number
}

/** A current key of the issuer. */
export interface TestIssuerKey {
  readonly kid: string
  readonly alg: TestAlgorithm
}

/** An in-process OIDC issuer: discovery, JWKS, token signing, key rotation and failure modes. */
export interface TestIssuer {
  readonly issuer: string
  readonly audience: string
  /** `${issuer}/.well-known/jwks.json` */
  readonly jwksUri: string
  /**
   * A `fetch` to inject into the code under test. Requests to the issuer's origin are served by
   * {@link TestIssuer.handle}; any other URL rejects with `TypeError('fetch failed')` and is
   * counted in `counts.unexpected`. Redirects are followed like the real `fetch` does unless the
   * request says `redirect: 'manual'` (or `'error'`).
   */
  readonly fetch: typeof fetch
  /** Fetch-API handler serving the discovery documents, the JWKS and (with `admin`) the admin routes. */
  handle(request: Request): Promise<Response>
  /**
   * Signs a JWT. Default claims: `iss`, `aud`, `sub: 'user-1'`, `iat` (from `now()`) and `exp`;
   * `claims` win, and a claim set to `undefined` is left out.
   */
  sign(claims?: TestClaims, options?: SignOptions): Promise<string>
  /** Generates a key, puts it first in the JWKS and resolves to its kid. */
  rotate(options?: RotateOptions): Promise<string>
  /** Drops a key from the JWKS. Throws on an unknown kid, so a typo in a test does not go unnoticed. */
  removeKey(kid: string): void
  /** The current keys, in JWKS order (newest first). */
  readonly keys: readonly TestIssuerKey[]
  /** Exactly what the JWKS endpoint serves when no failure or override is set. */
  publicJwks(): { keys: JWK[] }
  /** The same keys with their private members. */
  privateJwks(): { keys: JWK[] }
  /**
   * Replaces the JWKS body served: a value is sent as JSON, a string as-is (invalid sets,
   * `oct` keys, private keys, duplicates...). `null` restores the real set.
   */
  serveJwks(body: unknown | null): void
  /**
   * Makes endpoints misbehave. `target` defaults to `'jwks'`. `null` heals `target`, or
   * everything when no target is given.
   */
  fail(mode: FailureMode | null, target?: FailureTarget): void
  readonly counts: TestIssuerCounts
  resetCounts(): void
}
