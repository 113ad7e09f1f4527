import { describe, expect, it } from 'vitest'
import { VerifierConfigError } from '../../src/verifier/config.js'
import { variableOf } from '../../src/worker/runtime.js'

describe('variableOf: which gateway variable a core refusal blames', () => {
  it("reads the error's option field, not its message", () => {
    const error = new VerifierConfigError('"jwksUri" is mentioned but the option is another', 'algorithms')
    expect(variableOf(error, 'ISSUER')).toBe('ALGORITHMS')
    expect(variableOf(new VerifierConfigError('x', 'clockToleranceSeconds'), 'ISSUER')).toBe(
      'CLOCK_TOLERANCE',
    )
    expect(variableOf(new VerifierConfigError('x', 'denyKids'), 'JWKS_SOURCES')).toBe('JWKS_DENY_KIDS')
  })

  it('falls back to the variable the failing part is built from', () => {
    expect(variableOf(new VerifierConfigError('"jwksUri" bad'), 'ISSUER')).toBe('ISSUER')
    expect(variableOf(new VerifierConfigError('x', 'timeoutMs'), 'JWKS_SOURCES')).toBe('JWKS_SOURCES')
    expect(variableOf(new TypeError('"algorithms"'), 'ISSUER')).toBe('ISSUER')
  })
})
