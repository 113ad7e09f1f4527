import { describe, expect, it } from 'vitest'
import { readDpopCredential } from '../../src/sender/dpop-credential.js'

describe('readDpopCredential (RFC 9449 §7.1)', () => {
  it.each([
    [['DPoP abc.def.ghi'], 'abc.def.ghi'],
    [['dpop   abc.def.ghi'], 'abc.def.ghi'],
    [['Bearer abc.def.ghi'], undefined],
    [[], undefined],
    [['DPoPx abc'], undefined],
  ])('%j → %s', (authorization, expected) => {
    expect(readDpopCredential(authorization)).toBe(expected)
  })

  it.each([
    [['DPoP ']],
    [['DPoP a.b.c', 'DPoP a.b.c']],
    [['DPoP a.b.c, Bearer a.b.c']],
    [['Basic x', 'DPoP a.b.c']],
  ])('refuses %j as a malformed request', (authorization) => {
    expect(() => readDpopCredential(authorization)).toThrow(
      expect.objectContaining({ code: 'ERR_REQUEST_INVALID' }),
    )
  })
})
