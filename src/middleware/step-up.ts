import type { JWTPayload } from 'jose'
import { assertStepUp, type StepUpRequirement } from '../checks/step-up.js'
import { type AuthScheme, JwtAuthError } from '../errors.js'
import { VerifierConfigError } from '../verifier/config.js'
import { inScheme } from './presented-token.js'
import { SCOPE_TOKEN } from './scopes.js'

function fail(option: string, rule: string): never {
  throw new VerifierConfigError(`"${option}" option ${rule}`)
}

/**
 * Checks a step-up requirement at construction: `acrValues` a non-empty list of values without
 * spaces (RFC 9470 §3 sends them space-separated), `maxAgeSeconds` whole seconds, one of them set.
 */
export function checkStepUp(value: unknown, option: string): StepUpRequirement | undefined {
  if (value === undefined) return undefined
  if (typeof value !== 'object' || value === null) fail(option, 'must be an object')
  const { acrValues, maxAgeSeconds, ...rest } = value as Record<string, unknown>
  if (Object.keys(rest).length > 0) fail(option, 'takes only acrValues and maxAgeSeconds')
  if (
    acrValues !== undefined &&
    !(
      Array.isArray(acrValues) &&
      acrValues.length > 0 &&
      acrValues.every((item) => typeof item === 'string' && SCOPE_TOKEN.test(item))
    )
  ) {
    fail(option, 'acrValues must be a non-empty list of values without spaces or quotes')
  }
  if (
    maxAgeSeconds !== undefined &&
    !(Number.isSafeInteger(maxAgeSeconds) && (maxAgeSeconds as number) >= 0)
  ) {
    fail(option, 'maxAgeSeconds must be whole seconds, 0 or more')
  }
  if (acrValues === undefined && maxAgeSeconds === undefined) fail(option, 'needs acrValues or maxAgeSeconds')
  return {
    ...(acrValues === undefined ? {} : { acrValues: [...(acrValues as string[])] }),
    ...(maxAgeSeconds === undefined ? {} : { maxAgeSeconds: maxAgeSeconds as number }),
  }
}

/**
 * Why a request may not pass a step-up guard, or undefined when it may: no verified identity is
 * a 401 challenge, a weak or old authentication a 401 `insufficient_user_authentication`, in
 * the scheme the token came with (RFC 9449 §7.1).
 */
export function stepUpRejection(
  payload: JWTPayload | undefined,
  requirement: StepUpRequirement,
  nowMs: number,
  scheme: AuthScheme,
): JwtAuthError | undefined {
  if (payload === undefined) return new JwtAuthError('ERR_TOKEN_MISSING')
  try {
    assertStepUp(payload, requirement, nowMs)
    return undefined
  } catch (error) {
    return inScheme(error instanceof JwtAuthError ? error : new JwtAuthError('ERR_CLAIM_INVALID'), scheme)
  }
}
