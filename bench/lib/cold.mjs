// Cold isolate: time to the first verified request of a freshly started workerd (a new process,
// so a new isolate with an empty memory cache), with an empty store, with a warm Cache API store
// and with a warm KV store. The stores persist in a Miniflare `resourcePersistencePath`
// directory: a first workerd fills it (empty store), is stopped, and a second one started on the
// same directory answers its first request from it (warm store). The issuer's request counts say
// whether the key set came from the store. The second request of each workerd (a first-seen
// token, keys in memory) is the warm-isolate reference.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { firstLine } from './env.mjs'
import { median, sleep } from './pool.mjs'
import { signPool } from './tokens.mjs'
import { bundle, loadAverage, startWorkerd } from './workerd.mjs'
import { gatewayWorker } from './workerd-gateway.mjs'

/** Lets the first request's `waitUntil` store write finish before workerd is stopped. */
const STORE_WRITE_GRACE_MS = 500
const KV_NAMESPACE = 'jwks-cache-bench'

async function request(workerd, token) {
  const cpu0 = await workerd.cpuNs()
  const t0 = performance.now()
  const response = await fetch(`${workerd.url}/api/orders`, { headers: { authorization: `Bearer ${token}` } })
  await response.arrayBuffer()
  const ms = performance.now() - t0
  const cpu1 = await workerd.cpuNs()
  if (response.status !== 200) throw new Error(`first request answered HTTP ${response.status}`)
  return { ms, cpuMs: cpu0 === undefined ? null : (cpu1 - cpu0) / 1e6 }
}

/** One workerd life on `dir`: start, first request, second request, stop. */
async function life(snap, code, server, audience, dir, store, tokens) {
  const before = { ...server.issuer.counts }
  const t0 = performance.now()
  const workerd = await startWorkerd(snap, {
    resourcePersistencePath: dir,
    workers: [
      gatewayWorker(
        code,
        server.url,
        audience,
        store === 'kv' ? { kvNamespaces: { JWKS_CACHE: KV_NAMESPACE } } : {},
      ),
    ],
  })
  const startMs = performance.now() - t0
  try {
    const first = await request(workerd, tokens[0])
    const fetches = {
      discovery: server.issuer.counts.discovery - before.discovery,
      jwks: server.issuer.counts.jwks - before.jwks,
    }
    const second = await request(workerd, tokens[1])
    await sleep(STORE_WRITE_GRACE_MS)
    return { startMs, first, second, fetches }
  } finally {
    await workerd.close()
  }
}

export async function runCold({ snap, server, audience, settings, log }) {
  if (!snap.has('worker/entry.js')) return { skipped: 'dist/worker/entry.js not built' }
  const { rounds } = settings
  try {
    const code = await bundle(snap, 'dist/worker/entry.js')
    const tokens = await signPool(server.issuer, 'RS256', rounds * 8, 1300)
    let t = 0
    const next = () => [tokens[t++], tokens[t++]]
    const raw = { empty: [], 'warm-cache': [], 'empty-kv': [], 'warm-kv': [] }
    const load = [await loadAverage()]
    for (let round = 0; round < rounds; round++) {
      for (const store of ['cache', 'kv']) {
        const dir = await mkdtemp(join(tmpdir(), 'jwks-gateway-bench-cold-'))
        try {
          raw[store === 'kv' ? 'empty-kv' : 'empty'].push(
            await life(snap, code, server, audience, dir, store, next()),
          )
          raw[`warm-${store}`].push(await life(snap, code, server, audience, dir, store, next()))
        } finally {
          await rm(dir, { recursive: true, force: true })
        }
      }
      load.push(await loadAverage())
      log(
        `cold: round ${round + 1}/${rounds} ` +
          Object.entries(raw)
            .map(
              ([k, v]) => `${k} ${v.at(-1).first.ms.toFixed(1)} ms (${v.at(-1).fetches.jwks} JWKS fetches)`,
            )
            .join(', '),
      )
    }
    const results = {}
    for (const [state, lives] of Object.entries(raw)) {
      results[state] = {
        startMs: median(lives.map((l) => l.startMs)),
        firstMs: median(lives.map((l) => l.first.ms)),
        firstCpuMs: median(lives.map((l) => l.first.cpuMs)),
        secondMs: median(lives.map((l) => l.second.ms)),
        secondCpuMs: median(lives.map((l) => l.second.cpuMs)),
        firstOverSecond: median(lives.map((l) => l.first.ms / l.second.ms)),
        jwksFetches: lives.map((l) => l.fetches.jwks),
        discoveryFetches: lives.map((l) => l.fetches.discovery),
      }
    }
    return { rounds, loadAverage: load, results }
  } catch (error) {
    log(`cold failed: ${firstLine(error)}`)
    return { error: String(error?.message ?? error).slice(0, 2000) }
  }
}
