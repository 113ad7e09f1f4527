/**
 * Why a discovery or JWKS fetch did not give usable keys. The reason is ours (never the
 * response body) so it can go to logs and events as is.
 */
export class FetchFailure extends Error {
  override readonly name = 'FetchFailure'
  /** Set when the issuer told us when to come back (429/503 Retry-After). */
  readonly retryAfterMs: number | undefined

  constructor(reason: string, retryAfterMs?: number) {
    super(reason)
    this.retryAfterMs = retryAfterMs
  }
}
