// Throughput: every column, interleaved in rounds, each cell a time-boxed run of passes. A pass
// is one walk through the scenario's token sequence by a fresh client whose keys were fetched
// (untimed) just before, so "distinct" tokens really are new to it and a verified-token cache
// only helps where the sequence repeats a token. The floor runs first and last in every block
// (scenario x algorithm x concurrency) and each cell is divided by the mean of the two.
import { describeError } from './columns.mjs'
import { median, runPool } from './pool.mjs'
import { rng, shuffle, tamper } from './tokens.mjs'

const MAX_PASSES = 100_000

/** Does the column accept a valid token and reject a forged or mis-addressed one? */
export async function sanityCheck(bound, column, alg, tokens) {
  const result = { accepts: false, rejectsForged: null, rejectsWrongAudience: null, error: null }
  try {
    const client = await bound.create(alg)
    try {
      await client.verify(tokens.warm)
      result.accepts = true
    } catch (error) {
      result.error = describeError(error)
      return result
    }
    if (column.group === 'framework') return result
    result.rejectsForged = await client.verify(tamper(tokens.pool[0])).then(
      () => false,
      () => true,
    )
    if (column.group === 'floor') return result
    result.rejectsWrongAudience = await client.verify(tokens.wrongAudience).then(
      () => false,
      () => true,
    )
  } catch (error) {
    result.error = describeError(error)
  }
  return result
}

/**
 * Walks a token sequence with fresh clients: when a walk ends (or before the first), a new client
 * is created and warmed with a token outside the sequence, untimed. `run(budgetMs)` measures
 * only the verifications and can stop mid-walk; the next call resumes it with the same client.
 */
class Runner {
  constructor(bound, alg, sequence, concurrency, warm) {
    Object.assign(this, { bound, alg, concurrency, warm })
    this.state = { sequence, next: sequence.length }
    this.total = { ops: 0, ms: 0, errors: 0, passes: 0, firstError: undefined }
  }

  async run(budgetMs) {
    let spent = 0
    while (spent < budgetMs && this.total.passes < MAX_PASSES) {
      if (this.state.next >= this.state.sequence.length) {
        this.client = await this.bound.create(this.alg)
        await this.client.verify(this.warm)
        this.state.next = 0
        this.total.passes++
      }
      const slice = await runPool(this.state, this.concurrency, this.client.verify, budgetMs - spent)
      spent += slice.ms
      this.total.ops += slice.ops
      this.total.ms += slice.ms
      this.total.errors += slice.errors
      this.total.firstError ??= slice.firstError
    }
  }

  get rate() {
    return this.total.ops / (this.total.ms / 1000)
  }
}

/**
 * One cell: the column and the floor take turns in short slices (column `sliceMs`, floor half
 * that) until the column has run `cellMs`, so both see the same machine at the same moments.
 */
async function runCell(floorBound, bound, alg, sequence, concurrency, cellMs, warm) {
  const sliceMs = Math.max(5, Math.min(200, cellMs / 3))
  const floor = new Runner(floorBound, alg, sequence, concurrency, warm)
  const column = new Runner(bound, alg, sequence, concurrency, warm)
  for (let slices = 0; column.total.ms < cellMs && slices < 10_000; slices++) {
    await floor.run(sliceMs / 2)
    await column.run(Math.min(sliceMs, cellMs - column.total.ms))
  }
  const { ops, ms, passes, errors, firstError } = column.total
  return {
    rate: column.rate,
    floorRate: floor.rate,
    ratio: column.rate / floor.rate,
    ops,
    ms: Math.round(ms),
    passes,
    errors: errors + floor.total.errors,
    ...(firstError === undefined ? {} : { firstError: describeError(firstError) }),
  }
}

/**
 * @param {object} options
 * @param {{ column: object, bound: object }[]} options.columns set-up columns, the floor included
 * @param {{ id: string, label: string, cellMs: number, columns: (id: string) => boolean,
 *   sequence: (alg: string) => string[] }[]} options.scenarios
 */
export async function runThroughput({ columns, scenarios, algorithms, concurrencies, rounds, tokens, log }) {
  const floor = columns.find((c) => c.column.id === 'floor')
  const sanity = {}
  for (const { column, bound } of columns) {
    sanity[column.id] = {}
    for (const alg of algorithms) sanity[column.id][alg] = await sanityCheck(bound, column, alg, tokens[alg])
  }
  const runnable = (id, alg) => sanity[id][alg].accepts && sanity[id][alg].rejectsForged !== false

  const random = rng(7)
  const raw = {} // scenario -> alg -> c -> { floor: [], cols: { id: [{ rate, ratio, ... }] } }
  for (let round = 0; round < rounds; round++) {
    for (const scenario of scenarios) {
      raw[scenario.id] ??= {}
      for (const alg of algorithms) {
        raw[scenario.id][alg] ??= {}
        const sequence = scenario.sequence(alg)
        for (const c of concurrencies) {
          raw[scenario.id][alg][c] ??= { floor: [], cols: {} }
          const block = raw[scenario.id][alg][c]
          const others = columns.filter(
            ({ column }) => column.id !== 'floor' && scenario.columns(column.id) && runnable(column.id, alg),
          )
          const order = shuffle(others, random)
          const cells = []
          for (const { column, bound } of order) {
            const cell = await runCell(
              floor.bound,
              bound,
              alg,
              sequence,
              c,
              scenario.cellMs,
              tokens[alg].warm,
            )
            cells.push([column.id, cell])
            block.floor.push(cell.floorRate)
            block.cols[column.id] ??= []
            block.cols[column.id].push(cell)
          }
          log(
            `round ${round + 1}/${rounds} ${scenario.id} ${alg} c=${c}: floor ~${Math.round(median(block.floor))}/s, ` +
              cells.map(([id, cell]) => `${id} ${cell.ratio.toFixed(2)}`).join(', '),
          )
        }
      }
    }
  }

  const results = {}
  for (const [scenarioId, byAlg] of Object.entries(raw)) {
    results[scenarioId] = {}
    for (const [alg, byC] of Object.entries(byAlg)) {
      results[scenarioId][alg] = {}
      for (const [c, block] of Object.entries(byC)) {
        const cols = {}
        for (const [id, cells] of Object.entries(block.cols)) {
          const errors = cells.reduce((sum, cell) => sum + cell.errors, 0)
          cols[id] = {
            rate: median(cells.map((cell) => cell.rate)),
            ratio: median(cells.map((cell) => cell.ratio)),
            ratios: cells.map((cell) => round3(cell.ratio)),
            rates: cells.map((cell) => Math.round(cell.rate)),
            ops: cells.reduce((sum, cell) => sum + cell.ops, 0),
            passes: cells.reduce((sum, cell) => sum + cell.passes, 0),
            errors,
            ...(errors > 0 ? { firstError: cells.find((cell) => cell.firstError)?.firstError } : {}),
          }
        }
        results[scenarioId][alg][c] = {
          floor: { rate: median(block.floor), rates: block.floor.map(Math.round) },
          cols,
        }
      }
    }
  }
  return { sanity, results }
}

function round3(x) {
  return Math.round(x * 1000) / 1000
}
