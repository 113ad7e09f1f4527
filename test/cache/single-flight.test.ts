import { describe, expect, it } from 'vitest'
import { ABANDONED, SingleFlight } from '../../src/cache/single-flight.js'

function deferred<T>() {
  let resolve!: (value: T) => void
  const promise = new Promise<T>((r) => {
    resolve = r
  })
  return { promise, resolve }
}

describe('SingleFlight', () => {
  it('one flight at a time, live until it settles or its deadline passes', async () => {
    const flights = new SingleFlight<string, undefined>()
    const work = deferred<string>()
    const first = flights.start(1_000, 500, undefined, () => work.promise)
    expect(flights.live(1_000)).toBe(first)
    expect(flights.live(1_499)).toBe(first)
    expect(flights.live(1_500)).toBeUndefined()
    work.resolve('done')
    expect(await flights.wait(first, 1_000)).toBe('done')
    expect(flights.live(1_000)).toBeUndefined()
  })

  it('numbers flights in the order they start', () => {
    const flights = new SingleFlight<string, undefined>()
    const never = () => new Promise<string>(() => undefined)
    const a = flights.start(0, 10, undefined, never)
    const b = flights.start(20, 10, undefined, never)
    expect(b.seq).toBeGreaterThan(a.seq)
    expect(flights.live(20)).toBe(b)
  })

  it('a waiter that outlives the deadline abandons the flight for everyone', async () => {
    const flights = new SingleFlight<string, undefined>()
    const flight = flights.start(0, 5, undefined, () => new Promise<string>(() => undefined))
    expect(await flights.wait(flight, 0)).toBe(ABANDONED)
    // The clock (injected) says 1 ms; the waiter's own timer has spoken: no one joins it again.
    expect(flights.live(1)).toBeUndefined()
  })
})
