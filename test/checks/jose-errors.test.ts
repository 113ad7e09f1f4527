import { errors } from 'jose'
import { describe, expect, it } from 'vitest'
import { fromJoseError } from '../../src/checks/jose-errors.js'

// jose's claim failures carry `claim` and `reason`; the code is read from those fields, never
// from the message text (which jose may reword in any release).
describe('fromJoseError', () => {
  const failed = (claim: string, reason: string) =>
    new errors.JWTClaimValidationFailed('any wording at all', {}, claim, reason)

  it.each([
    ['iat', 'check_failed', 'ERR_TOKEN_NOT_YET_VALID'],
    ['iat', 'invalid', 'ERR_CLAIM_INVALID'],
    ['nbf', 'check_failed', 'ERR_TOKEN_NOT_YET_VALID'],
    ['nbf', 'invalid', 'ERR_CLAIM_INVALID'],
    ['aud', 'check_failed', 'ERR_AUDIENCE_MISMATCH'],
    ['iss', 'check_failed', 'ERR_ISSUER_UNKNOWN'],
    ['typ', 'check_failed', 'ERR_TYPE_MISMATCH'],
    ['aud', 'missing', 'ERR_CLAIM_INVALID'],
  ])('%s %s → %s', (claim, reason, code) => {
    expect(fromJoseError(failed(claim, reason)).code).toBe(code)
  })

  it('tells an expired token from a token too old for maxTokenAge by the claim', () => {
    expect(fromJoseError(new errors.JWTExpired('x', {}, 'exp', 'check_failed')).code).toBe(
      'ERR_TOKEN_EXPIRED',
    )
    expect(fromJoseError(new errors.JWTExpired('x', {}, 'iat', 'check_failed')).code).toBe(
      'ERR_CLAIM_INVALID',
    )
  })

  it('keeps no jose error as cause (its claim errors carry the whole payload)', () => {
    expect(fromJoseError(failed('aud', 'check_failed')).cause).toBeUndefined()
  })
})
