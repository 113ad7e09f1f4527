import { describe, expect, it } from 'vitest'
import { jwksAuth as expressAuth } from '../../src/express/index.js'
import { jwksAuth as honoAuth } from '../../src/hono/index.js'
import { createRequestVerifier, createVerifier, type VerifierOptions } from '../../src/index.js'
import { publicJwksHandler } from '../../src/jwks/index.js'
import { VerifierConfigError } from '../../src/verifier/config.js'
import { closestName } from '../../src/verifier/option-names.js'
import { createGateway } from '../../src/worker/index.js'

const ISSUER = 'https://idp.example.com'

/** What a plain-JavaScript caller can pass, typos included. */
type Untyped = VerifierOptions & Record<string, unknown>

/** The refusal `build` throws: its message and `option`, or a failed expectation. */
function refusal(build: () => unknown): { message: string; option: string | undefined } {
  try {
    build()
  } catch (error) {
    expect(error).toBeInstanceOf(VerifierConfigError)
    const { message, option } = error as VerifierConfigError
    return { message, option }
  }
  throw new Error('expected a VerifierConfigError, nothing was thrown')
}

describe('unknown option names are refused at construction', () => {
  it('createVerifier names the misspelt option and the one it resembles', () => {
    expect(refusal(() => createVerifier({ issuer: ISSUER, audiance: 'api' } as Untyped))).toEqual({
      message: 'createVerifier(): unknown option "audiance" (did you mean "audience"?)',
      option: 'audiance',
    })
    expect(refusal(() => createVerifier({ issuer: ISSUER, clockTolerance: 5 } as Untyped))).toEqual({
      message: 'createVerifier(): unknown option "clockTolerance" (did you mean "clockToleranceSeconds"?)',
      option: 'clockTolerance',
    })
    expect(refusal(() => createVerifier({ issuer: ISSUER, colour: 'blue' } as Untyped))).toEqual({
      message: 'createVerifier(): unknown option "colour"',
      option: 'colour',
    })
  })

  it('createVerifier refuses unknown names inside issuer entries, reported under "issuer"', () => {
    const options = { issuer: [{ issuer: ISSUER, jwks_uri: `${ISSUER}/jwks` }] } as unknown as VerifierOptions
    expect(refusal(() => createVerifier(options))).toEqual({
      message: 'createVerifier(): unknown option "jwks_uri" in an "issuer" entry (did you mean "jwksUri"?)',
      option: 'issuer',
    })
  })

  it('a missing issuer or options object is a named configuration error, not a TypeError', () => {
    expect(refusal(() => createVerifier({ audience: 'api' } as unknown as VerifierOptions))).toEqual({
      message: 'createVerifier(): "issuer" option is required (the issuer URL)',
      option: 'issuer',
    })
    expect(refusal(() => createVerifier(undefined as unknown as VerifierOptions))).toEqual({
      message: 'createVerifier() needs an options object',
      option: undefined,
    })
    expect(refusal(() => createVerifier({ issuer: [42] } as unknown as VerifierOptions)).option).toBe(
      'issuer',
    )
    expect(refusal(() => honoAuth({ audience: 'api' } as unknown as VerifierOptions)).option).toBe('issuer')
  })

  it('Hono and Express jwksAuth suggest among their own options too', () => {
    expect(refusal(() => honoAuth({ issuer: ISSUER, relm: 'x' } as Untyped))).toEqual({
      message: 'jwksAuth(): unknown option "relm" (did you mean "realm"?)',
      option: 'relm',
    })
    expect(refusal(() => honoAuth({ issuer: ISSUER, passErrors: true } as Untyped)).option).toBe('passErrors')
    expect(refusal(() => expressAuth({ issuer: ISSUER, passError: true } as Untyped))).toEqual({
      message: 'jwksAuth(): unknown option "passError" (did you mean "passErrors"?)',
      option: 'passError',
    })
    expect(refusal(() => expressAuth({ issuer: ISSUER, audiance: 'api' } as Untyped)).message).toContain(
      '(did you mean "audience"?)',
    )
    expect(typeof expressAuth({ issuer: ISSUER, passErrors: true, realm: 'x' })).toBe('function')
  })

  it('createRequestVerifier and the dpop and mtls objects refuse unknown names too', () => {
    expect(refusal(() => createRequestVerifier({ issuer: ISSUER, dpopp: {} } as Untyped))).toEqual({
      message: 'createRequestVerifier(): unknown option "dpopp" (did you mean "dpop"?)',
      option: 'dpopp',
    })
    expect(refusal(() => createRequestVerifier({ issuer: ISSUER, dpop: { onlly: true } } as never))).toEqual({
      message: 'createRequestVerifier(): unknown option "onlly" in "dpop" (did you mean "only"?)',
      option: 'dpop',
    })
    expect(refusal(() => honoAuth({ issuer: ISSUER, mtls: { thumbprint: 'x' } } as never))).toEqual({
      message: 'jwksAuth(): unknown option "thumbprint" in "mtls" (did you mean "thumbprintHeader"?)',
      option: 'mtls',
    })
    expect(refusal(() => honoAuth({ issuer: ISSUER, dpop: { only: 'yes' } } as never)).option).toBe('dpop')
  })

  it('publicJwksHandler and createGateway refuse unknown names', () => {
    const sources = [`${ISSUER}/jwks.json`]
    expect(refusal(() => publicJwksHandler({ sources, denyKid: ['a'] } as never))).toEqual({
      message: 'publicJwksHandler(): unknown option "denyKid" (did you mean "denyKids"?)',
      option: 'denyKid',
    })
    expect(refusal(() => createGateway({ relm: 'orders' } as never))).toEqual({
      message: 'createGateway(): unknown option "relm" (did you mean "realm"?)',
      option: 'relm',
    })
    expect(refusal(() => createGateway({ vars: { ISUER: ISSUER } } as never))).toEqual({
      message: 'createGateway(): unknown option "ISUER" in "vars" (did you mean "ISSUER"?)',
      option: 'vars',
    })
    expect(typeof createGateway({ realm: 'orders', vars: { ISSUER: ISSUER } }).fetch).toBe('function')
  })
})

describe('closestName', () => {
  it('suggests within a few edits (transpositions count once), and nothing for unrelated words', () => {
    const names = ['audience', 'algorithms', 'issuer', 'timeoutMs']
    expect(closestName('audeince', names)).toBe('audience')
    expect(closestName('Issuer', names)).toBe('issuer')
    expect(closestName('timeout', names)).toBe('timeoutMs')
    expect(closestName('algo', names)).toBe('algorithms')
    expect(closestName('iss', names)).toBe('issuer')
    expect(closestName('x', names)).toBeUndefined()
    expect(closestName('sources', names)).toBeUndefined()
  })
})
