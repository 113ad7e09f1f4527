import { VerifierConfigError } from '../errors.js'

/** Defaults of the key cache, one place, each with its reason. */

/** jose's default too: long enough for a slow IdP, short enough that no request waits much longer. */
const DEFAULT_TIMEOUT_MS = 5_000
/** A deadline longer than this is a mistake; it also keeps every timer far below 2^31 ms. */
const MAX_TIMEOUT_MS = 5 * 60 * 1000
/** Real JWKS documents are a few KiB; 256 KiB leaves room for 100 RSA-4096 keys with x5c chains. */
export const DEFAULT_MAX_BODY_BYTES = 256 * 1024
/** More than this is an attack or a misconfiguration, not a key set. */
const DEFAULT_MAX_KEYS = 100
/** Same as jose's `cooldownDuration`: bounds unknown-kid refetches to 2 a minute per issuer. */
export const DEFAULT_COOLDOWN_MS = 30_000
/** Last-known-good keys keep verifying this long past expiry while the issuer is down. */
const DEFAULT_MAX_STALE_MS = 24 * 60 * 60 * 1000
/** Freshness when the issuer sends no usable Cache-Control. */
export const DEFAULT_MAX_AGE_MS = 10 * 60 * 1000
/** Cache-Control is clamped: never refetch more often than this... */
export const MIN_MAX_AGE_MS = 30 * 1000
/** ...nor trust a set longer than a day without asking again. */
export const MAX_MAX_AGE_MS = 24 * 60 * 60 * 1000
/** Backoff after a failed fetch: 1 s, doubling... */
export const BACKOFF_INITIAL_MS = 1_000
/** ...up to 5 minutes; an issuer's Retry-After is honoured up to this ceiling too. */
export const BACKOFF_MAX_MS = 5 * 60 * 1000
/** A fresh set is refreshed in the background once this share of its lifetime has passed. */
export const REFRESH_AHEAD_RATIO = 0.8
/** How long a discovered `jwks_uri` is trusted before discovery runs again. */
export const DISCOVERY_MAX_AGE_MS = 24 * 60 * 60 * 1000

/** The limits of fetching and keeping one source's keys: the verifier's and the publisher's. */
export interface KeyCacheLimits {
  /** Deadline of one fetch (discovery document or JWKS), body included, and of a store read. */
  timeoutMs: number
  maxBodyBytes: number
  maxKeys: number
  /** How long past expiry last-known-good keys are still used while the source fails. */
  maxStaleMs: number
}

/** The options behind {@link KeyCacheLimits}, as a user gives them. */
export type KeyCacheLimitOptions = { [K in keyof KeyCacheLimits]?: number | undefined }

/**
 * Validates and completes the key-cache limits, refusing what cannot work at construction: a
 * zero or fractional deadline, body cap or key count, a deadline no timer can hold.
 */
export function resolveKeyCacheLimits(options: KeyCacheLimitOptions): KeyCacheLimits {
  return {
    timeoutMs: integerOption('timeoutMs', options.timeoutMs, DEFAULT_TIMEOUT_MS, 1, MAX_TIMEOUT_MS),
    maxBodyBytes: integerOption('maxBodyBytes', options.maxBodyBytes, DEFAULT_MAX_BODY_BYTES, 1),
    maxKeys: integerOption('maxKeys', options.maxKeys, DEFAULT_MAX_KEYS, 1),
    maxStaleMs: integerOption('maxStaleMs', options.maxStaleMs, DEFAULT_MAX_STALE_MS, 0),
  }
}

/** An integer option in [min, max], or its default when absent; otherwise a VerifierConfigError. */
export function integerOption(
  name: string,
  value: unknown,
  fallback: number,
  min: number,
  max = Number.MAX_SAFE_INTEGER,
): number {
  if (value === undefined) return fallback
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `an integer >= ${min}` : `an integer in [${min}, ${max}]`
    throw new VerifierConfigError(`"${name}" option must be ${range}`, name)
  }
  return value
}
