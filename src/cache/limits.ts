/** Defaults of SPEC §4, one place, each with its reason. */

/** jose's default too: long enough for a slow IdP, short enough that no request waits much longer. */
export const DEFAULT_TIMEOUT_MS = 5_000
/** Real JWKS documents are a few KiB; 256 KiB leaves room for 100 RSA-4096 keys with x5c chains. */
export const DEFAULT_MAX_BODY_BYTES = 256 * 1024
/** More than this is an attack or a misconfiguration, not a key set. */
export const DEFAULT_MAX_KEYS = 100
/** Same as jose's `cooldownDuration`: bounds unknown-kid refetches to 2 a minute per issuer. */
export const DEFAULT_COOLDOWN_MS = 30_000
/** Last-known-good keys keep verifying this long past expiry while the issuer is down. */
export const DEFAULT_MAX_STALE_MS = 24 * 60 * 60 * 1000
/** Freshness when the issuer sends no usable Cache-Control. */
export const DEFAULT_MAX_AGE_MS = 10 * 60 * 1000
/** Cache-Control is clamped: never refetch more often than this... */
export const MIN_MAX_AGE_MS = 30 * 1000
/** ...nor trust a set longer than a day without asking again. */
export const MAX_MAX_AGE_MS = 24 * 60 * 60 * 1000
/** Backoff after a failed fetch: 1 s, doubling... */
export const BACKOFF_INITIAL_MS = 1_000
/** ...up to 5 minutes. */
export const BACKOFF_MAX_MS = 5 * 60 * 1000
/** A fresh set is refreshed in the background once this share of its lifetime has passed. */
export const REFRESH_AHEAD_RATIO = 0.8
/** How long a discovered `jwks_uri` is trusted before discovery runs again. */
export const DISCOVERY_MAX_AGE_MS = 24 * 60 * 60 * 1000
