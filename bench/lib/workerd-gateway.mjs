// The gateway's whole request inside workerd, against the passthrough Worker, with no HTTP client
// and no `wrangler dev` proxy in the loop: the bench Worker calls each through a service binding,
// N requests in one /run (distinct valid tokens, so every gateway request checks a signature, or
// one cached token), minus the same /run with N = 0. The figure is workerd CPU per request; the
// gateway's Worker is dist/worker/entry.js, bundled like wrangler does, in echo mode.
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { BENCH_DIR, firstLine } from './env.mjs'
import { median } from './pool.mjs'
import { rng, shuffle, signPool } from './tokens.mjs'
import {
  bundle,
  bundleBenchWorker,
  costPerOp,
  loadAverage,
  post,
  runQuery,
  startWorkerd,
  timed,
  workerOptions,
} from './workerd.mjs'

/** The gateway Worker's options: echo mode against `issuer`, bindings as wrangler.toml declares. */
export function gatewayWorker(code, issuer, audience, extra = {}) {
  return workerOptions('gateway', code, {
    bindings: { ISSUER: issuer, AUDIENCE: audience },
    durableObjects: { DPOP_REPLAY: { className: 'DpopReplayObject', useSQLite: true } },
    ...extra,
  })
}

export async function runWorkerdGateway({ snap, server, audience, algorithms, settings, log }) {
  if (!snap.has('worker/entry.js')) return { skipped: 'dist/worker/entry.js not built' }
  const { rounds, reps, distinctN, cachedN } = settings
  let workerd
  try {
    const benchCode = await bundleBenchWorker(snap)
    const gatewayCode = await bundle(snap, 'dist/worker/entry.js')
    const passthroughCode = await readFile(join(BENCH_DIR, 'gateway', 'passthrough', 'worker.mjs'), 'utf8')
    workerd = await startWorkerd(snap, {
      workers: [
        workerOptions('bench', benchCode, {
          serviceBindings: { GATEWAY: 'gateway', PASSTHROUGH: 'passthrough' },
        }),
        gatewayWorker(gatewayCode, server.url, audience),
        workerOptions('passthrough', passthroughCode),
      ],
    })
    const load = [await loadAverage()]
    const perAlg = (rounds + 1) * reps * distinctN + 1
    const cursors = {}
    for (const [i, alg] of algorithms.entries()) {
      log(`workerd gateway: signing ${perAlg} ${alg} tokens`)
      const [warm, ...pool] = await signPool(server.issuer, alg, perAlg, 700 + i)
      await timed(workerd, '/tokens', post({ name: `distinct-${alg}`, tokens: pool }))
      await timed(workerd, '/tokens', post({ name: `cached-${alg}`, tokens: [warm] }))
      await timed(workerd, `/run?target=gateway&set=cached-${alg}&from=0&n=1`)
      cursors[alg] = { next: 0 }
    }
    await timed(workerd, `/run?target=passthrough&set=cached-${algorithms[0]}&from=0&n=1`)
    const cells = [
      { target: 'passthrough', alg: algorithms[0], mode: 'cached' },
      ...algorithms.map((alg) => ({ target: 'gateway', alg, mode: 'distinct' })),
      { target: 'gateway', alg: algorithms[0], mode: 'cached' },
    ]
    const keyOf = (c) => (c.target === 'passthrough' ? 'passthrough' : `gateway:${c.alg}:${c.mode}`)
    const measure = async ({ target, alg, mode }) => {
      const n = mode === 'distinct' ? distinctN : cachedN
      const cursor = mode === 'distinct' ? cursors[alg] : { next: 0 }
      const costs = []
      for (let r = 0; r < reps; r++)
        costs.push(await costPerOp(workerd, runQuery({ target, set: `${mode}-${alg}` }, cursor, n), n))
      return { cpuUs: median(costs.map((c) => c.cpuUs)), wallUs: median(costs.map((c) => c.wallUs)) }
    }
    log('workerd gateway: warm-up round (untimed)')
    for (const cell of cells) await measure(cell)
    const random = rng(23)
    const raw = {}
    for (let round = 0; round < rounds; round++) {
      for (const cell of shuffle(cells, random)) {
        raw[keyOf(cell)] ??= []
        raw[keyOf(cell)].push(await measure(cell))
      }
      load.push(await loadAverage())
      log(
        `workerd gateway: round ${round + 1}/${rounds} ` +
          Object.entries(raw)
            .map(([k, v]) => `${k} ${v.at(-1).cpuUs.toFixed(1)} µs`)
            .join(', '),
      )
    }
    const results = {}
    const pass = raw.passthrough
    for (const [key, cells] of Object.entries(raw)) {
      results[key] = {
        cpuUs: median(cells.map((c) => c.cpuUs)),
        wallUs: median(cells.map((c) => c.wallUs)),
        cpuUsRounds: cells.map((c) => Math.round(c.cpuUs * 10) / 10),
        overPassthrough: median(cells.map((c, i) => c.cpuUs / pass[i].cpuUs)),
      }
    }
    return { ...settings, loadAverage: load, results }
  } catch (error) {
    log(`workerd gateway failed: ${firstLine(error)}`)
    return { error: String(error?.message ?? error).slice(0, 2000) }
  } finally {
    await workerd?.close().catch(() => {})
  }
}
