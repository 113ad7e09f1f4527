// A promise pool: `concurrency` async verifications in flight in this one process.

/**
 * Runs `op` over `state.sequence` from `state.next` with `concurrency` workers, until the
 * sequence ends or `budgetMs` has passed: no operation starts after that, those in flight finish
 * and count. `state.next` is left where it stopped, so a later call resumes the same walk.
 */
export async function runPool(state, concurrency, op, budgetMs) {
  const { sequence } = state
  let ops = 0
  let errors = 0
  let firstError
  const start = performance.now()
  const deadline = start + budgetMs
  const worker = async () => {
    while (state.next < sequence.length && performance.now() < deadline) {
      const item = sequence[state.next++]
      try {
        await op(item)
      } catch (error) {
        errors++
        firstError ??= error
      }
      ops++
    }
  }
  await Promise.all(Array.from({ length: concurrency }, worker))
  return { ops, ms: performance.now() - start, errors, firstError }
}

export function median(values) {
  const sorted = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b)
  if (sorted.length === 0) return null
  const mid = sorted.length >> 1
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
}

/** Resolves to the promise's outcome, or to `undefined` after `ms` (the timer is cleared). */
export function within(promise, ms) {
  let timer
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise((resolve) => {
      timer = setTimeout(() => resolve(undefined), ms)
    }),
  ])
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))
