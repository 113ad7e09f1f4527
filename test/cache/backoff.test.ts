import { describe, expect, it } from 'vitest'
import { Backoff } from '../../src/cache/backoff.js'
import { BACKOFF_INITIAL_MS, BACKOFF_MAX_MS } from '../../src/cache/limits.js'

describe('Backoff', () => {
  it('1 s doubling to 5 min; Retry-After honoured up to the same ceiling; a success starts over', () => {
    const backoff = new Backoff()
    expect(backoff.allows(0)).toBe(true)
    expect([1, 2, 3, 4].map(() => backoff.failed(0))).toEqual([1_000, 2_000, 4_000, 8_000])
    for (let i = 0; i < 20; i++) backoff.failed(0)
    expect(backoff.failed(0)).toBe(BACKOFF_MAX_MS)
    backoff.succeeded()
    expect(backoff.failed(0, 120_000)).toBe(120_000)
    expect(backoff.retryInMs(20_000)).toBe(100_000)
    expect(backoff.allows(119_999)).toBe(false)
    expect(backoff.allows(120_000)).toBe(true)
    backoff.succeeded()
    expect(backoff.failed(0, 10_000_000_000)).toBe(BACKOFF_MAX_MS)
    backoff.succeeded()
    expect(backoff.failed(0, 10)).toBe(BACKOFF_INITIAL_MS)
  })
})
