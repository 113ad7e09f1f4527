import { describe, expect, it } from 'vitest'
import { createVerifier, VerifierConfigError } from '../../src/index.js'
import { publicJwksHandler } from '../../src/jwks/index.js'

/** The option a construction refuses, or 'accepted'. */
function refusal(build: () => unknown): string | undefined {
  try {
    build()
    return 'accepted'
  } catch (error) {
    expect(error).toBeInstanceOf(VerifierConfigError)
    return (error as VerifierConfigError).option
  }
}

const ISSUER = 'https://idp.example.com'

// Configuration that cannot work is refused when the verifier is built, naming the option; it
// never reaches a request.
describe('createVerifier refuses what cannot work', () => {
  it.each([
    ['an http issuer whose secrets list is empty', { issuer: { issuer: 'http://x', secrets: [] } }, 'issuer'],
    ['maxKeys 0', { maxKeys: 0 }, 'maxKeys'],
    ['timeoutMs 0', { timeoutMs: 0 }, 'timeoutMs'],
    ['maxBodyBytes 0', { maxBodyBytes: 0 }, 'maxBodyBytes'],
    ['a fractional timeoutMs', { timeoutMs: 1.5 }, 'timeoutMs'],
    ['a fractional maxKeys', { maxKeys: 2.5 }, 'maxKeys'],
    ['a fractional maxBodyBytes', { maxBodyBytes: 1024.5 }, 'maxBodyBytes'],
    ['a fractional cooldownMs', { cooldownMs: 0.5 }, 'cooldownMs'],
    ['a fractional tokenCacheSize', { tokenCacheSize: 10.5 }, 'tokenCacheSize'],
    ['a NaN maxStaleMs', { maxStaleMs: Number.NaN }, 'maxStaleMs'],
    ['a negative cooldownMs', { cooldownMs: -1 }, 'cooldownMs'],
    ['an infinite timeoutMs', { timeoutMs: Number.POSITIVE_INFINITY }, 'timeoutMs'],
    ['a timeoutMs a timer cannot hold', { timeoutMs: 2 ** 31 }, 'timeoutMs'],
    ['a string maxKeys', { maxKeys: '10' }, 'maxKeys'],
  ])('%s', (_, options, option) => {
    expect(refusal(() => createVerifier({ issuer: ISSUER, ...(options as object) }))).toBe(option)
  })

  it.each([
    ['cooldownMs 0', { cooldownMs: 0 }],
    ['maxStaleMs 0', { maxStaleMs: 0 }],
    ['tokenCacheSize 0 (off)', { tokenCacheSize: 0 }],
    ['an https issuer whose secrets list is empty (discovery)', { issuer: { issuer: ISSUER, secrets: [] } }],
    ['an http loopback issuer', { issuer: 'http://127.0.0.1:8787' }],
  ])('accepts %s', (_, options) => {
    expect(refusal(() => createVerifier({ issuer: ISSUER, ...(options as object) }))).toBe('accepted')
  })
})

describe('publicJwksHandler validates its limits the same way', () => {
  const sources = ['https://idp.example.com/jwks']

  it.each([
    ['maxKeys 0', { maxKeys: 0 }, 'maxKeys'],
    ['timeoutMs -1', { timeoutMs: -1 }, 'timeoutMs'],
    ['a fractional maxBodyBytes', { maxBodyBytes: 1.5 }, 'maxBodyBytes'],
    ['a NaN maxStaleMs', { maxStaleMs: Number.NaN }, 'maxStaleMs'],
  ])('%s', (_, options, option) => {
    expect(refusal(() => publicJwksHandler({ sources, ...(options as object) }))).toBe(option)
  })

  it('accepts the defaults', () => {
    expect(refusal(() => publicJwksHandler({ sources }))).toBe('accepted')
  })
})

// A refused URL is named in the message by its origin and path only: user info, query and
// fragment may hold a credential, and no message carries one.
describe('configuration errors carry no credential of a URL', () => {
  it.each([
    ['issuer', { issuer: 'http://user:s3cret@idp.example.com/t?key=s3cret#s3cret' }],
    ['jwksUri', { issuer: ISSUER, jwksUri: 'http://user:s3cret@keys.example.com/jwks?key=s3cret' }],
    ['a template issuer', { issuer: 'https://user:s3cret@login.example.com/{tenantid}/v2.0?key=s3cret' }],
  ])('%s', (_, options) => {
    let message = ''
    try {
      createVerifier(options)
    } catch (error) {
      expect(error).toBeInstanceOf(VerifierConfigError)
      message = (error as Error).message
    }
    expect(message).toMatch(/example\.com/)
    expect(message).not.toMatch(/s3cret|user/)
  })
})
