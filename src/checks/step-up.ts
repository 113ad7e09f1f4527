import type { JWTPayload } from 'jose'
import { JwtAuthError } from '../errors.js'

/**
 * What a route or resource demands of the user's authentication (RFC 9470): an `acr` among
 * `acrValues`, and/or an `auth_time` at most `maxAgeSeconds` old. Unset members demand nothing.
 *
 * @example
 * const stepUp: StepUpRequirement = { acrValues: ['phr', 'phrh'], maxAgeSeconds: 300 }
 */
export interface StepUpRequirement {
  /** Accepted `acr` values, compared as exact strings; the token's `acr` must be one of them. */
  acrValues?: readonly string[]
  /** Seconds since `auth_time` beyond which the user must authenticate again; `auth_time` required. */
  maxAgeSeconds?: number
}

/**
 * Throws ERR_INSUFFICIENT_USER_AUTHENTICATION, carrying the requirement for the challenge's
 * `acr_values` and `max_age` (RFC 9470 §3), when the verified payload does not meet it.
 * `auth_time` is judged against `nowMs` without clock tolerance: the token's own dates have
 * been checked already, and a user who authenticated a moment too long ago simply steps up.
 */
export function assertStepUp(payload: JWTPayload, requirement: StepUpRequirement, nowMs: number): void {
  const { acrValues, maxAgeSeconds } = requirement
  let met = true
  if (acrValues !== undefined && acrValues.length > 0) {
    met = typeof payload.acr === 'string' && acrValues.includes(payload.acr)
  }
  if (met && maxAgeSeconds !== undefined) {
    const authTime = payload.auth_time
    met =
      typeof authTime === 'number' &&
      Number.isFinite(authTime) &&
      Math.floor(nowMs / 1000) - authTime <= maxAgeSeconds
  }
  if (met) return
  throw new JwtAuthError('ERR_INSUFFICIENT_USER_AUTHENTICATION', {
    ...(acrValues === undefined || acrValues.length === 0 ? {} : { acrValues }),
    ...(maxAgeSeconds === undefined ? {} : { maxAgeSeconds }),
  })
}
