/** What a waiter gets when the flight it waited on passed its deadline without settling. */
export const ABANDONED = Symbol('abandoned')

/** One run of shared work. Its deadline is fixed when it starts, from the path it may take. */
export interface Flight<T, M> {
  /** Increases with every start: later flights have larger numbers (the ordering guard's key). */
  readonly seq: number
  readonly deadline: number
  readonly meta: M
  /** Settles with the work's result; never rejects. */
  readonly promise: Promise<T>
}

interface Running<T, M> extends Flight<T, M> {
  abandoned: boolean
}

/**
 * At most one flight at a time, shared by everyone who needs its result.
 *
 * On Workers a promise started by one request may never settle once that request is cancelled
 * (panva/jose#355), so a flight is waited on only until its deadline. A waiter that outlives it
 * marks it abandoned and starts (or joins) the next one: everyone who gave up at that instant
 * shares that one new run instead of each starting their own.
 */
export class SingleFlight<T, M> {
  #current: Running<T, M> | undefined
  #sequence = 0

  /** The one liveness predicate: the running flight, if it can still settle in time. */
  live(now: number): Flight<T, M> | undefined {
    const flight = this.#current
    return flight !== undefined && !flight.abandoned && now < flight.deadline ? flight : undefined
  }

  /** Starts a flight with a deadline of `now + budgetMs`; `work` must never reject. */
  start(now: number, budgetMs: number, meta: M, work: (seq: number) => Promise<T>): Flight<T, M> {
    this.#sequence += 1
    const seq = this.#sequence
    let settle!: (value: T | PromiseLike<T>) => void
    const promise = new Promise<T>((resolve) => {
      settle = resolve
    })
    const flight: Running<T, M> = { seq, deadline: now + budgetMs, meta, promise, abandoned: false }
    this.#current = flight
    void promise.then(() => {
      if (this.#current === flight) this.#current = undefined
    })
    settle(work(seq))
    return flight
  }

  /**
   * Waits for `flight` until its deadline, by a timer of the waiter's own (the flight's timers
   * may belong to a request that is gone). Past it, the flight is abandoned for everyone.
   */
  async wait(flight: Flight<T, M>, now: number): Promise<T | typeof ABANDONED> {
    let timer: ReturnType<typeof setTimeout> | undefined
    const deadline = new Promise<typeof ABANDONED>((resolve) => {
      timer = setTimeout(() => resolve(ABANDONED), Math.max(0, flight.deadline - now))
    })
    try {
      const outcome = await Promise.race([flight.promise, deadline])
      if (outcome === ABANDONED && this.#current === flight) this.#current.abandoned = true
      return outcome
    } finally {
      clearTimeout(timer)
    }
  }
}
