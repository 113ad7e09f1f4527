/** An injected clock: tests move time by hand, never by sleeping. */
export function manualClock(start = Date.UTC(2026, 10, 21, 12, 0, 0)) {
  let t = start
  return {
    now: () => t,
    advance(ms: number) {
      t += ms
    },
    set(ms: number) {
      t = ms
    },
  }
}
