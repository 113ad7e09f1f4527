#!/usr/bin/env node
// `npm run bench`: us and the peers in one run, interleaved, against a local issuer on 127.0.0.1.
// Writes results.json, results.md and throughput.svg to bench/results/ (or --out). See README.md.
import { execFileSync } from 'node:child_process'
import { mkdir, writeFile } from 'node:fs/promises'
import { cpus } from 'node:os'
import { join, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { runCold } from './lib/cold.mjs'
import { COLUMNS } from './lib/columns.mjs'
import { runDpopGateway } from './lib/dpop-gateway.mjs'
import { BENCH_DIR, firstLine, ROOT_DIR, snapshotDist } from './lib/env.mjs'
import { runGateway, runSize } from './lib/gateway.mjs'
import { runGlue } from './lib/glue.mjs'
import { runMemory } from './lib/memory.mjs'
import { evaluateTargets, renderMarkdown, renderSvg } from './lib/report.mjs'
import { runResilience } from './lib/resilience.mjs'
import { runThroughput } from './lib/throughput.mjs'
import { startTlsFront } from './lib/tls-front.mjs'
import { ALGORITHMS, floorMaterial, rng, shuffle, signPool } from './lib/tokens.mjs'
import { loadAverage } from './lib/workerd.mjs'
import { runWorkerdGateway } from './lib/workerd-gateway.mjs'
import { runWorkerdVerify } from './lib/workerd-verify.mjs'

const SECTIONS = [
  'throughput',
  'resilience',
  'memory',
  'gateway',
  'dpop',
  'size',
  'workerd',
  'workerd-gateway',
  'cold',
  'glue',
]
/** Sections that start workerd or loop long: not part of the --quick smoke test. */
const SLOW_SECTIONS = ['memory', 'gateway', 'dpop', 'size', 'workerd', 'workerd-gateway', 'cold', 'glue']
const QUICK_COLUMNS = ['floor', 'core', 'core-nocache']
const AUDIENCE = 'https://api.example.com'

const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    out: { type: 'string' },
    rounds: { type: 'string' },
    'cell-ms': { type: 'string' },
    'cached-cell-ms': { type: 'string' },
    pool: { type: 'string' },
    algs: { type: 'string' },
    concurrency: { type: 'string' },
    only: { type: 'string' },
    skip: { type: 'string' },
    'gateway-seconds': { type: 'string' },
    help: { type: 'boolean', default: false },
  },
})

if (args.help) {
  console.log(`node bench/run.mjs [--quick] [--out dir] [--rounds 3] [--cell-ms 700] [--cached-cell-ms 400]
  [--pool 1000] [--algs RS256,ES256,EdDSA] [--concurrency 1,16] [--only floor,core,...|sections] [--skip ${SECTIONS.join(',')}] [--gateway-seconds 20]
columns: ${COLUMNS.map((c) => c.id).join(', ')}
sections: ${SECTIONS.join(', ')} (--only with section names runs only those sections)`)
  process.exit(0)
}

const quick = args.quick
const int = (value, fallback) => (value === undefined ? fallback : Number.parseInt(value, 10))
const config = {
  quick,
  rounds: int(args.rounds, quick ? 1 : 3),
  cellMs: int(args['cell-ms'], quick ? 25 : 700),
  cachedCellMs: int(args['cached-cell-ms'], quick ? 25 : 400),
  pool: int(args.pool, quick ? 40 : 1000),
  reuse: 20,
  repeated: quick ? 200 : 5000,
  concurrencies: args.concurrency?.split(',').map(Number) ?? [1, 16],
  algorithms: args.algs?.split(',') ?? ALGORITHMS,
  gatewaySeconds: int(args['gateway-seconds'], 20),
  gatewayConnections: 50,
  gatewayPool: 12_000,
  dpopRounds: 5,
  dpopPerRound: 200,
  workerd: { rounds: 5, reps: 3, distinctN: 40, cachedN: 400 },
  workerdGateway: { rounds: 5, reps: 3, distinctN: 40, cachedN: 400 },
  cold: { rounds: 3 },
  glue: { rounds: 21, honoBatch: 1500, expressBatch: 600 },
}
const requested = args.only?.split(',')
const onlySections = requested?.filter((id) => SECTIONS.includes(id)) ?? []
const onlyColumns = requested?.filter((id) => !SECTIONS.includes(id))
const only = onlyColumns?.length ? onlyColumns : quick ? QUICK_COLUMNS : undefined
const skip = new Set(args.skip?.split(',') ?? (quick ? SLOW_SECTIONS : []))
if (onlySections.length > 0) for (const id of SECTIONS) if (!onlySections.includes(id)) skip.add(id)
const outDir = resolve(args.out ?? join(BENCH_DIR, 'results'))
const started = Date.now()
const log = (line) =>
  console.error(`[bench ${((Date.now() - started) / 1000).toFixed(0).padStart(3)}s] ${line}`)

function gitInfo() {
  try {
    const git = (...a) => execFileSync('git', a, { cwd: ROOT_DIR, encoding: 'utf8' }).trim()
    return {
      commit: git('rev-parse', '--short', 'HEAD'),
      dirtySrc: git('status', '--porcelain', 'src') !== '',
    }
  } catch {
    return {}
  }
}

async function main() {
  const snap = await snapshotDist()
  const cleanups = [snap.cleanup]
  const report = {
    meta: {
      date: new Date().toISOString(),
      node: process.version,
      platform: `${process.platform} ${process.arch}`,
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model,
      ...gitInfo(),
      config,
      loadAverageAtStart: await loadAverage(),
    },
  }
  try {
    const { startTestIssuerServer } = await snap.dist('testing/node.js')
    const server = await startTestIssuerServer({ algorithms: ALGORITHMS, audience: AUDIENCE })
    cleanups.push(() => server.close())
    const { issuer } = server
    const columns = COLUMNS.filter((c) => only === undefined || only.includes(c.id))

    let tls
    if (columns.some((c) => c.id === 'aws-jwt-verify')) {
      try {
        tls = await startTlsFront(server.url)
        cleanups.push(() => tls.close())
      } catch (error) {
        log(`no HTTPS front for aws-jwt-verify: ${firstLine(error)}`)
      }
    }

    if (!skip.has('throughput')) {
      log(`signing ${config.pool} tokens per algorithm`)
      const tokens = {}
      for (const [i, alg] of ALGORITHMS.entries()) {
        const [warm, ...pool] = await signPool(issuer, alg, config.pool + 1, 100 + i)
        tokens[alg] = { warm, pool, wrongAudience: await reAudience(issuer, alg) }
      }
      const material = floorMaterial(ALGORITHMS.flatMap((alg) => tokens[alg].pool))
      const ctx = {
        snap,
        issuer,
        url: server.url,
        audience: AUDIENCE,
        jwksUri: issuer.jwksUri,
        algorithms: ALGORITHMS,
        material,
        tls,
      }
      const { bound, unavailable } = await setupColumns(columns, ctx)
      cleanups.push(() => Promise.all(bound.map((b) => b.bound.close?.())))
      report.columns = COLUMNS.map((c) => ({
        id: c.id,
        label: c.label,
        group: c.group,
        ...(unavailable[c.id] === undefined ? {} : { unavailable: unavailable[c.id] }),
        ...(columns.includes(c) ? {} : { unavailable: 'not selected (--only)' }),
      }))
      const random = rng(11)
      const reuseSequences = {}
      const cachedColumns = new Set(['core', 'hono', 'express', 'jose-key', 'hono-plain', 'express-plain'])
      const scenarios = [
        {
          id: 'distinct',
          label: `${config.pool} distinct tokens`,
          cellMs: config.cellMs,
          columns: () => true,
          sequence: (alg) => tokens[alg].pool,
        },
        {
          id: 'reuse',
          label: `${config.pool} tokens x ${config.reuse}, random order`,
          cellMs: config.cachedCellMs,
          columns: (id) => cachedColumns.has(id),
          sequence: (alg) => {
            reuseSequences[alg] ??= shuffle(
              Array.from({ length: config.reuse }, () => tokens[alg].pool).flat(),
              random,
            )
            return reuseSequences[alg]
          },
        },
        {
          id: 'repeated',
          label: 'one token, repeated',
          cellMs: config.cachedCellMs,
          columns: (id) => cachedColumns.has(id),
          sequence: (alg) => new Array(config.repeated).fill(tokens[alg].pool[0]),
        },
      ]
      report.scenarios = scenarios.map(({ id, label }) => ({ id, label }))
      log(`throughput: ${bound.map((b) => b.column.id).join(', ')}`)
      report.throughput = await runThroughput({
        columns: bound,
        scenarios,
        algorithms: config.algorithms,
        concurrencies: config.concurrencies,
        rounds: config.rounds,
        tokens,
        log,
      })
      await Promise.all(bound.map((b) => b.bound.close?.()))
    }

    if (!skip.has('resilience')) {
      log('resilience')
      report.resilience = await runResilience({ snap, columns, quick, log, tls: tls !== undefined })
    }
    if (!skip.has('memory')) {
      log('memory')
      report.memory = await runMemory({ snap, log })
    }
    if (!skip.has('gateway')) {
      log('gateway under load')
      report.gateway = await runGateway({ snap, config, log })
    }
    if (!skip.has('dpop')) {
      log('DPoP in the gateway: replay store on a Durable Object')
      report.dpop = await runDpopGateway({ snap, config, log })
    }
    if (!skip.has('size')) {
      log('bundle size')
      report.size = await runSize({ snap, log })
    }
    const edge = { snap, server, audience: AUDIENCE, algorithms: config.algorithms, log }
    if (!skip.has('workerd')) {
      log('inside workerd: CPU per verification, core and jose')
      report.workerd = await runWorkerdVerify({ ...edge, settings: config.workerd })
    }
    if (!skip.has('workerd-gateway')) {
      log('inside workerd: the gateway request vs the passthrough Worker')
      report.workerdGateway = await runWorkerdGateway({ ...edge, settings: config.workerdGateway })
    }
    if (!skip.has('cold')) {
      log('cold isolate: first verified request, empty / warm Cache API / warm KV store')
      report.cold = await runCold({ ...edge, settings: config.cold })
    }
    if (!skip.has('glue')) {
      log('middleware glue: jwksAuth minus framework minus verify()')
      report.glue = await runGlue({ ...edge, settings: config.glue })
    }
  } finally {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {})
  }
  report.meta.durationSeconds = Math.round((Date.now() - started) / 1000)
  report.meta.loadAverageAtEnd = await loadAverage()
  report.targets = evaluateTargets(report)
  await mkdir(outDir, { recursive: true })
  await writeFile(join(outDir, 'results.json'), `${JSON.stringify(report, null, 2)}\n`)
  await writeFile(join(outDir, 'results.md'), renderMarkdown(report))
  if (report.throughput !== undefined) await writeFile(join(outDir, 'throughput.svg'), renderSvg(report))
  log(`wrote ${outDir}/results.{json,md}${report.throughput === undefined ? '' : ' and throughput.svg'}`)
}

/** A token for another audience, signed by the same key: every verifier must refuse it. */
async function reAudience(issuer, alg) {
  return issuer.sign({ aud: 'https://other.example.com' }, { alg, expiresInSeconds: 3600 })
}

async function setupColumns(columns, ctx) {
  const bound = []
  const unavailable = {}
  for (const column of columns) {
    try {
      const result = await column.setup(ctx)
      if (result.error !== undefined) unavailable[column.id] = result.error
      else bound.push({ column, bound: result })
    } catch (error) {
      unavailable[column.id] = firstLine(error)
    }
    if (unavailable[column.id] !== undefined) log(`column ${column.id} skipped: ${unavailable[column.id]}`)
  }
  return { bound, unavailable }
}

// Everything stops by itself: pending peer timers (a 30 s fetch timeout...) must not hold the exit.
main().then(
  () => process.exit(0),
  (error) => {
    console.error(error)
    process.exit(1)
  },
)
