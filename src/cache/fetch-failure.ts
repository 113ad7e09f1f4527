/**
 * What went wrong, as a field code can branch on (the message is for people and logs):
 * - `network`: no answer (refused, reset, DNS) · `timeout`: the deadline passed, body included
 * - `status`: an answer other than 200/304 (`status` says which) · `body`: over the cap, not
 *   UTF-8, not JSON, or cut short · `document`: JSON that is not what was asked for (no usable
 *   key, private members, another issuer's metadata, an `http:` jwks_uri)
 * - `internal`: a bug of ours, reported without detail
 */
export type FetchFailureKind = 'network' | 'timeout' | 'status' | 'body' | 'document' | 'internal'

export interface FetchFailureDetails {
  kind: FetchFailureKind
  /** The HTTP status, for `kind: 'status'`. */
  status?: number
  /** The URL that failed (a metadata document or the JWKS), when one was being fetched. */
  url?: string
  /** Set when the issuer told us when to come back (429/503 `Retry-After`), in ms. */
  retryAfterMs?: number
}

/**
 * Why a discovery or JWKS fetch did not give usable keys. The reason is ours (never the
 * response body) so it can go to logs and events as is.
 */
export class FetchFailure extends Error {
  override readonly name = 'FetchFailure'
  readonly kind: FetchFailureKind
  readonly status: number | undefined
  readonly url: string | undefined
  readonly retryAfterMs: number | undefined

  constructor(reason: string, details: FetchFailureDetails) {
    super(reason)
    this.kind = details.kind
    this.status = details.status
    this.url = details.url
    this.retryAfterMs = details.retryAfterMs
  }

  /** The same failure, attributed to `url` (kept when it already names one). */
  at(url: string, prefix = ''): FetchFailure {
    return new FetchFailure(`${prefix}${this.message}`, {
      kind: this.kind,
      ...(this.status === undefined ? {} : { status: this.status }),
      url: this.url ?? url,
      ...(this.retryAfterMs === undefined ? {} : { retryAfterMs: this.retryAfterMs }),
    })
  }
}

/**
 * The document is not there (a 4xx other than 429): discovery tries the next well-known URL,
 * and a `jwks_uri` that answers so is found again by discovery. A 429 only says "later".
 */
export function isNotThere(failure: FetchFailure): boolean {
  return failure.kind === 'status' && isNotThereStatus(failure.status)
}

/** The status half of {@link isNotThere}, for those who see a failure's status only (an event). */
export function isNotThereStatus(status: number | undefined): boolean {
  return status !== undefined && status >= 400 && status < 500 && status !== 429
}

/** A system error code (`ECONNREFUSED`, `ENOTFOUND`, `CERT_HAS_EXPIRED`): a name, never data. */
const SYSTEM_ERROR_CODE = /^[A-Z][A-Z0-9_]{1,63}$/

/**
 * Why a `fetch` threw, fit for a log line: `network error`, with the system error code when the
 * runtime gives one (Node's undici puts it on `cause.code`), so that a refused connection, an
 * unknown host and a bad certificate can be told apart.
 */
export function networkFailureReason(error: unknown): string {
  const cause = (error as { cause?: { code?: unknown } } | null)?.cause
  const code = cause?.code
  return typeof code === 'string' && SYSTEM_ERROR_CODE.test(code)
    ? `network error (${code})`
    : 'network error'
}
