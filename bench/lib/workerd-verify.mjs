// Inside workerd: CPU per verification for a first-seen token and for a cached one, per
// algorithm, with our core (createVerifier) and with jose (createRemoteJWKSet + jwtVerify) side
// by side in the same isolate. Each figure is workerd's CPU for /run with N verifications minus
// the same endpoint with N = 0, divided by N; cells are shuffled within a round, and every
// ratio is taken within a round before the median over rounds.
import { firstLine } from './env.mjs'
import { median } from './pool.mjs'
import { rng, shuffle, signPool } from './tokens.mjs'
import {
  bundleBenchWorker,
  costPerOp,
  loadAverage,
  post,
  runQuery,
  startWorkerd,
  timed,
  workerOptions,
} from './workerd.mjs'

const IMPLS = ['core', 'jose']
const MODES = ['distinct', 'cached']
/** The pieces a first-seen verification is made of, measured the same way (first-seen tokens). */
const PIECES = ['core-nocache', 'core-full', 'jose-key', 'floor', 'digest', 'digest-node', 'digest-node-hash']

export async function runWorkerdVerify({ snap, server, audience, algorithms, settings, log }) {
  const { rounds, reps, distinctN, cachedN } = settings
  let workerd
  try {
    const code = await bundleBenchWorker(snap)
    workerd = await startWorkerd(snap, { workers: [workerOptions('bench', code)] })
    const load = [await loadAverage()]
    await timed(workerd, '/setup', post({ issuer: server.url, audience, jwksUri: server.issuer.jwksUri }))
    // Every distinct cell walks its own part of the pool: a token is first-seen by each client.
    const perAlg = (rounds + 1) * reps * distinctN + 1
    const cursors = {}
    for (const [i, alg] of algorithms.entries()) {
      log(`workerd: signing ${perAlg} ${alg} tokens`)
      const [warm, ...pool] = await signPool(server.issuer, alg, perAlg, 900 + i)
      await timed(workerd, '/tokens', post({ name: `distinct-${alg}`, tokens: pool }))
      await timed(workerd, '/tokens', post({ name: `cached-${alg}`, tokens: [warm] }))
      for (const impl of [...IMPLS, ...PIECES]) {
        // Untimed: discovery and key fetch, and the cached token's first verification.
        await timed(workerd, `/run?target=verify&impl=${impl}&alg=${alg}&set=cached-${alg}&from=0&n=1`)
        cursors[`${impl}:${alg}`] = { next: 0 }
      }
    }
    const cells = algorithms.flatMap((alg) => [
      ...IMPLS.flatMap((impl) => MODES.map((mode) => ({ impl, alg, mode }))),
      ...PIECES.map((impl) => ({ impl, alg, mode: 'distinct' })),
    ])
    const measure = async ({ impl, alg, mode }) => {
      const params = { target: 'verify', impl, alg, set: `${mode}-${alg}` }
      const n = mode === 'distinct' ? distinctN : cachedN
      const cursor = mode === 'distinct' ? cursors[`${impl}:${alg}`] : { next: 0 }
      const costs = []
      for (let r = 0; r < reps; r++) costs.push(await costPerOp(workerd, runQuery(params, cursor, n), n))
      return {
        cpuUs: median(costs.map((c) => c.cpuUs)),
        wallUs: median(costs.map((c) => c.wallUs)),
      }
    }
    log('workerd: warm-up round (untimed)')
    for (const cell of cells) await measure(cell)
    const random = rng(17)
    const raw = {} // `${impl}:${alg}:${mode}` -> [{ cpuUs, wallUs }]
    for (let round = 0; round < rounds; round++) {
      for (const cell of shuffle(cells, random)) {
        const key = `${cell.impl}:${cell.alg}:${cell.mode}`
        raw[key] ??= []
        raw[key].push(await measure(cell))
      }
      load.push(await loadAverage())
      log(`workerd: round ${round + 1}/${rounds} ${summarize(raw, algorithms, round)}`)
    }
    return {
      ...settings,
      loadAverage: load,
      results: reduce(raw, algorithms),
      fetches: { ...server.issuer.counts },
    }
  } catch (error) {
    log(`workerd verify failed: ${firstLine(error)}`)
    return { error: String(error?.message ?? error).slice(0, 2000) }
  } finally {
    await workerd?.close().catch(() => {})
  }
}

const at = (raw, key, round) => raw[key]?.[round]?.cpuUs ?? null

function summarize(raw, algorithms, round) {
  return algorithms
    .map((alg) => {
      const core = at(raw, `core:${alg}:distinct`, round)
      const jose = at(raw, `jose:${alg}:distinct`, round)
      return `${alg} core ${core?.toFixed(1)} µs, jose ${jose?.toFixed(1)} µs`
    })
    .join('; ')
}

/** Medians per cell, and the two ratios of the targets, each taken within a round first. */
function reduce(raw, algorithms) {
  const out = {}
  for (const alg of algorithms) {
    const cell = (impl, mode) => raw[`${impl}:${alg}:${mode}`] ?? []
    const perRound = (a, b) =>
      median(a.map((x, i) => (b[i] === undefined ? Number.NaN : x.cpuUs / b[i].cpuUs)))
    out[alg] = {}
    for (const impl of IMPLS) {
      out[alg][impl] = {}
      for (const mode of MODES) {
        const cells = cell(impl, mode)
        out[alg][impl][mode] = {
          cpuUs: median(cells.map((c) => c.cpuUs)),
          wallUs: median(cells.map((c) => c.wallUs)),
          cpuUsRounds: cells.map((c) => Math.round(c.cpuUs * 10) / 10),
        }
      }
    }
    out[alg].pieces = {}
    for (const impl of PIECES) {
      const cells = cell(impl, 'distinct')
      out[alg].pieces[impl] = {
        cpuUs: median(cells.map((c) => c.cpuUs)),
        overJose: perRound(cells, cell('jose', 'distinct')),
      }
    }
    out[alg].coreOverJoseDistinct = perRound(cell('core', 'distinct'), cell('jose', 'distinct'))
    out[alg].coreOverJoseCached = perRound(cell('core', 'cached'), cell('jose', 'cached'))
    out[alg].distinctOverCachedCore = perRound(cell('core', 'distinct'), cell('core', 'cached'))
  }
  return out
}
