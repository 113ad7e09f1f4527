#!/usr/bin/env node
// A V8 CPU profile of one bench Worker path inside workerd, through its inspector (Miniflare's
// inspector proxy): `npm run build && node bench/workerd/profile.mjs --target verify --impl core
// --alg RS256 --mode distinct` (or `--target gateway`). Prints the functions with the most self
// time, as a share of the samples taken while the Worker ran. Not part of `npm run bench`: it
// explains its figures (bench/results/NOTES.md). Listens on 127.0.0.1 only; bounded; exits.
import { parseArgs } from 'node:util'
import { snapshotDist } from '../lib/env.mjs'
import { freePort } from '../lib/processes.mjs'
import { signPool } from '../lib/tokens.mjs'
import { bundle, bundleBenchWorker, post, startWorkerd, timed, workerOptions } from '../lib/workerd.mjs'
import { gatewayWorker } from '../lib/workerd-gateway.mjs'

const AUDIENCE = 'https://api.example.com'
const { values: args } = parseArgs({
  options: {
    target: { type: 'string', default: 'verify' },
    impl: { type: 'string', default: 'core' },
    alg: { type: 'string', default: 'RS256' },
    mode: { type: 'string', default: 'distinct' },
    tokens: { type: 'string', default: '2000' },
    top: { type: 'string', default: '30' },
    'interval-us': { type: 'string', default: '50' },
  },
})
const count = Number(args.tokens)
const BATCH = 50
const INSPECTOR_TIMEOUT_MS = 60_000

/** A minimal Chrome DevTools Protocol client over the global WebSocket. */
async function connect(url) {
  const ws = new WebSocket(url)
  await new Promise((resolve, reject) => {
    ws.addEventListener('open', resolve, { once: true })
    ws.addEventListener('error', reject, { once: true })
  })
  let id = 0
  const pending = new Map()
  ws.addEventListener('message', (event) => {
    const message = JSON.parse(String(event.data))
    const waiter = pending.get(message.id)
    if (waiter === undefined) return
    pending.delete(message.id)
    if (message.error) waiter.reject(new Error(message.error.message))
    else waiter.resolve(message.result)
  })
  return {
    send(method, params = {}) {
      const message = { id: ++id, method, params }
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`${method}: no answer`)), INSPECTOR_TIMEOUT_MS)
        pending.set(message.id, {
          resolve(value) {
            clearTimeout(timer)
            resolve(value)
          },
          reject(error) {
            clearTimeout(timer)
            reject(error)
          },
        })
        ws.send(JSON.stringify(message))
      })
    },
    close: () => ws.close(),
  }
}

function selfTimes(profile) {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]))
  const totals = new Map()
  let all = 0
  profile.samples.forEach((sample, i) => {
    const dt = profile.timeDeltas[i] ?? 0
    const { functionName, url, lineNumber } = byId.get(sample).callFrame
    if (functionName === '(idle)' || functionName === '(program)') return
    const key = `${functionName || '(anonymous)'} ${url.split('/').at(-1)}:${lineNumber + 1}`
    totals.set(key, (totals.get(key) ?? 0) + dt)
    all += dt
  })
  return { all, rows: [...totals].sort((a, b) => b[1] - a[1]) }
}

async function main() {
  const snap = await snapshotDist()
  const { startTestIssuerServer } = await snap.dist('testing/node.js')
  const server = await startTestIssuerServer({ algorithms: [args.alg], audience: AUDIENCE })
  const inspectorPort = await freePort()
  const gateway = args.target === 'gateway'
  const workers = [
    workerOptions(
      'bench',
      await bundleBenchWorker(snap),
      gateway ? { serviceBindings: { GATEWAY: 'gateway' } } : {},
    ),
  ]
  if (gateway) workers.push(gatewayWorker(await bundle(snap, 'dist/worker/entry.js'), server.url, AUDIENCE))
  const workerd = await startWorkerd(snap, { inspectorPort, workers })
  try {
    await timed(
      workerd,
      '/setup',
      post({ issuer: server.url, audience: AUDIENCE, jwksUri: server.issuer.jwksUri }),
    )
    const [warm, ...pool] = await signPool(server.issuer, args.alg, count + 1, 4242)
    await timed(workerd, '/tokens', post({ name: 'distinct', tokens: pool }))
    await timed(workerd, '/tokens', post({ name: 'cached', tokens: [warm] }))
    const base = new URLSearchParams({ target: args.target, impl: args.impl, alg: args.alg }).toString()
    await timed(workerd, `/run?${base}&set=cached&from=0&n=1`)
    // Warm the JIT on the cached token, then profile the chosen mode.
    await timed(workerd, `/run?${base}&set=cached&from=0&n=500`)
    const target = args.target === 'gateway' ? 'gateway' : 'bench'
    const cdp = await connect(`ws://127.0.0.1:${inspectorPort}/core:user:${target}`).catch(() =>
      connect(`ws://127.0.0.1:${inspectorPort}/${target}`),
    )
    await cdp.send('Profiler.enable')
    await cdp.send('Profiler.setSamplingInterval', { interval: Number(args['interval-us']) })
    await cdp.send('Profiler.start')
    const set = args.mode === 'distinct' ? 'distinct' : 'cached'
    for (let from = 0; from < count; from += BATCH)
      await timed(workerd, `/run?${base}&set=${set}&from=${from}&n=${BATCH}`)
    const { profile } = await cdp.send('Profiler.stop')
    cdp.close()
    const { all, rows } = selfTimes(profile)
    console.log(
      `${args.target} ${args.impl} ${args.alg} ${args.mode}: ${count} operations, ${(all / 1000).toFixed(0)} ms of samples (idle excluded)`,
    )
    for (const [key, t] of rows.slice(0, Number(args.top)))
      console.log(`${((t / all) * 100).toFixed(1).padStart(5)}%  ${key}`)
  } finally {
    await workerd.close().catch(() => {})
    await server.close()
    await snap.cleanup()
  }
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(error)
    process.exit(1)
  },
)
