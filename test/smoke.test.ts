import { describe, expect, it } from 'vitest'

describe('runtime', () => {
  it('has WebCrypto', () => {
    expect(typeof crypto.subtle.verify).toBe('function')
  })
})
