import { describe, expect, it } from 'vitest'
import { MemoryReplayStore } from '../../src/sender/replay-store.js'
import { manualClock } from '../helpers/clock.js'

describe('MemoryReplayStore', () => {
  it('refuses an id it holds until that entry expires', async () => {
    const clock = manualClock()
    const store = new MemoryReplayStore({ now: clock.now })
    const until = clock.now() + 60_000
    expect(await store.remember('k:1', until)).toBe(true)
    expect(await store.remember('k:1', until)).toBe(false)
    clock.advance(60_000)
    expect(await store.remember('k:1', clock.now() + 60_000)).toBe(true)
  })

  it('when full, frees expired entries but never forgets a live one', async () => {
    const clock = manualClock()
    const store = new MemoryReplayStore({ maxEntries: 2, now: clock.now })
    expect(await store.remember('a', clock.now() + 10_000)).toBe(true)
    expect(await store.remember('b', clock.now() + 20_000)).toBe(true)
    expect(await store.remember('c', clock.now() + 20_000)).toBe(false)
    expect(await store.remember('a', clock.now() + 10_000)).toBe(false)
    clock.advance(10_000)
    expect(await store.remember('c', clock.now() + 20_000)).toBe(true)
    expect(store.size).toBe(2)
    expect(await store.remember('b', clock.now() + 20_000)).toBe(false)
  })

  it.each([0, -1, 1.5, Number.NaN])('refuses maxEntries %s at construction', (maxEntries) => {
    expect(() => new MemoryReplayStore({ maxEntries })).toThrow(/maxEntries/)
  })
})
