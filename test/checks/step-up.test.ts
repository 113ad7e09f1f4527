import { describe, expect, it } from 'vitest'
import { assertStepUp } from '../../src/checks/step-up.js'
import { JwtAuthError } from '../../src/index.js'

const NOW_MS = 1_800_000_000_000
const NOW = NOW_MS / 1000

function failure(run: () => void): JwtAuthError {
  try {
    run()
  } catch (error) {
    if (error instanceof JwtAuthError) return error
    throw error
  }
  throw new Error('expected a JwtAuthError')
}

describe('assertStepUp (RFC 9470)', () => {
  it('passes a token whose acr is accepted and whose auth_time is recent enough', () => {
    expect(() =>
      assertStepUp(
        { acr: 'mfa', auth_time: NOW - 300 },
        { acrValues: ['pwd+otp', 'mfa'], maxAgeSeconds: 300 },
        NOW_MS,
      ),
    ).not.toThrow()
    expect(() => assertStepUp({}, {}, NOW_MS)).not.toThrow()
  })

  it.each([
    ['another acr', { acr: 'pwd', auth_time: NOW }],
    ['no acr', { auth_time: NOW }],
    ['a non-string acr', { acr: ['mfa'], auth_time: NOW }],
    ['an old auth_time', { acr: 'mfa', auth_time: NOW - 301 }],
    ['no auth_time', { acr: 'mfa' }],
    ['a non-numeric auth_time', { acr: 'mfa', auth_time: String(NOW) }],
    ['an infinite auth_time', { acr: 'mfa', auth_time: Number.POSITIVE_INFINITY }],
  ])('refuses %s, carrying the whole requirement for the challenge', (_, payload) => {
    const error = failure(() => assertStepUp(payload, { acrValues: ['mfa'], maxAgeSeconds: 300 }, NOW_MS))
    expect(error.code).toBe('ERR_INSUFFICIENT_USER_AUTHENTICATION')
    expect(error.acrValues).toEqual(['mfa'])
    expect(error.maxAgeSeconds).toBe(300)
  })

  it('carries only the members the requirement has', () => {
    const error = failure(() => assertStepUp({ auth_time: NOW - 10 }, { maxAgeSeconds: 5 }, NOW_MS))
    expect(error.acrValues).toBeUndefined()
    expect(error.maxAgeSeconds).toBe(5)
  })
})
