// Gateway under load: the root Worker in `wrangler dev` (workerd, echo mode) against a local
// issuer, and a passthrough Worker with no auth, both driven by autocannon over loopback with
// distinct valid RS256 tokens. More distinct tokens than the verified-token cache holds, cycled,
// so every gateway request is a cache miss and a real signature check. And the bundle size.
import { execFile, spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { BENCH_DIR, firstLine, loadPeer, ROOT_DIR } from './env.mjs'
import { freePort, terminateGroup, waitForStatus } from './processes.mjs'
import { signPool, tamper } from './tokens.mjs'

const AUDIENCE = 'https://api.example.com'
const WRANGLER = join(ROOT_DIR, 'node_modules', 'wrangler', 'bin', 'wrangler.js')
const READY_TIMEOUT_MS = 90_000

function workerMissing(snap) {
  if (!existsSync(join(ROOT_DIR, 'src', 'worker', 'entry.ts'))) return 'src/worker/entry.ts does not exist'
  if (!snap.has('worker/index.js')) return 'dist/worker/index.js not built yet (no createGateway)'
  if (!existsSync(WRANGLER)) return 'wrangler is not installed at the root'
  return undefined
}

export async function startWrangler(configPath, vars, log) {
  const port = await freePort()
  const persist = await mkdtemp(join(tmpdir(), 'jwks-gateway-bench-wrangler-'))
  const args = [
    WRANGLER,
    'dev',
    '--config',
    configPath,
    '--ip',
    '127.0.0.1',
    '--port',
    String(port),
    '--inspector-port',
    String(await freePort()),
    '--persist-to',
    persist,
    '--log-level',
    'warn',
    '--show-interactive-dev-session=false',
    ...Object.entries(vars).flatMap(([k, v]) => ['--var', `${k}:${v}`]),
  ]
  const child = spawn(process.execPath, args, {
    cwd: ROOT_DIR,
    detached: true,
    // No metrics, and no request.cf fetched from Cloudflare: the bench stays on 127.0.0.1.
    env: { ...process.env, WRANGLER_SEND_METRICS: 'false', CLOUDFLARE_CF_FETCH_ENABLED: 'false', CI: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  const keep = (chunk) => {
    output = (output + chunk).slice(-4000)
  }
  child.stdout.on('data', keep)
  child.stderr.on('data', keep)
  return {
    url: `http://127.0.0.1:${port}`,
    child,
    output: () => output,
    async stop() {
      await terminateGroup(child)
      await rm(persist, { recursive: true, force: true })
      log(`stopped wrangler dev ${configPath.replace(`${ROOT_DIR}/`, '')}`)
    },
  }
}

function load(autocannon, url, tokens, seconds, connections) {
  let i = 0
  return new Promise((resolve, reject) => {
    autocannon(
      {
        url: `${url}/api/orders`,
        connections,
        duration: seconds,
        requests: [
          {
            method: 'GET',
            setupRequest(request) {
              request.headers = { ...request.headers, authorization: `Bearer ${tokens[i++ % tokens.length]}` }
              return request
            },
          },
        ],
      },
      (error, result) => (error ? reject(error) : resolve(result)),
    )
  })
}

function summary(result) {
  return {
    requestsPerSecond: Math.round(result.requests.average),
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    requests: result.requests.total,
    ok2xx: result['2xx'],
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
  }
}

const SEGMENTS = 4

/** Segments of one target: requests/s over all of them, p99 as the median (and worst) segment's. */
function combine(segments, seconds) {
  const sum = (key) => segments.reduce((total, s) => total + s[key], 0)
  const p99s = segments.map((s) => s.p99Ms).sort((a, b) => a - b)
  return {
    requestsPerSecond: Math.round(sum('requests') / (seconds * segments.length)),
    p99Ms: (p99s[(p99s.length - 1) >> 1] + p99s[p99s.length >> 1]) / 2,
    p99WorstMs: p99s.at(-1),
    p50Ms: segments.map((s) => s.p50Ms),
    requests: sum('requests'),
    ok2xx: sum('ok2xx'),
    non2xx: sum('non2xx'),
    errors: sum('errors'),
    timeouts: sum('timeouts'),
    segments: segments.map((s) => ({ requestsPerSecond: s.requestsPerSecond, p99Ms: s.p99Ms })),
  }
}

async function status(url, token) {
  const headers = token === undefined ? {} : { authorization: `Bearer ${token}` }
  const response = await fetch(`${url}/api/orders`, { headers, signal: AbortSignal.timeout(10_000) })
  await response.arrayBuffer()
  return response.status
}

export async function runGateway({ snap, config, log }) {
  const missing = workerMissing(snap)
  if (missing !== undefined) {
    log(`gateway skipped: ${missing}`)
    return { skipped: missing }
  }
  const peer = await loadPeer('autocannon')
  if (peer.error !== undefined) return { skipped: `autocannon ${peer.error}` }
  const autocannon = peer.module.default
  const { startTestIssuerServer } = await snap.dist('testing/node.js')
  const server = await startTestIssuerServer({ algorithms: ['RS256'], audience: AUDIENCE })
  const started = []
  try {
    log(`gateway: signing ${config.gatewayPool} RS256 tokens`)
    const tokens = await signPool(server.issuer, 'RS256', config.gatewayPool, 500)
    const passthrough = await startWrangler(
      join(BENCH_DIR, 'gateway', 'passthrough', 'wrangler.toml'),
      {},
      log,
    )
    started.push(passthrough)
    const gateway = await startWrangler(
      join(ROOT_DIR, 'wrangler.toml'),
      { ISSUER: server.url, AUDIENCE: AUDIENCE },
      log,
    )
    started.push(gateway)
    for (const w of [passthrough, gateway]) {
      await waitForStatus(`${w.url}/healthz`, 200, READY_TIMEOUT_MS).catch((error) => {
        throw new Error(`${error.message}\n${w.output()}`)
      })
    }
    const sanity = {
      gatewayValid: await status(gateway.url, tokens[0]),
      gatewayForged: await status(gateway.url, tamper(tokens[1])),
      gatewayNoToken: await status(gateway.url),
      passthrough: await status(passthrough.url, tokens[0]),
    }
    log(`gateway: sanity ${JSON.stringify(sanity)}`)
    if (sanity.gatewayValid !== 200 || sanity.gatewayForged !== 401 || sanity.passthrough !== 200) {
      return { skipped: 'sanity check failed', sanity }
    }
    const { gatewaySeconds: seconds, gatewayConnections: connections } = config
    log('gateway: warm-up, 3 s each')
    await load(autocannon, passthrough.url, tokens, 3, connections)
    await load(autocannon, gateway.url, tokens, 3, connections)
    // The two take turns in SEGMENTS slices, so both see the same (noisy) machine.
    const segment = Math.max(1, Math.round(seconds / SEGMENTS))
    const runs = { passthrough: [], gateway: [] }
    for (let i = 0; i < SEGMENTS; i++) {
      log(`gateway: segment ${i + 1}/${SEGMENTS}, ${segment} s each at ${connections} connections`)
      runs.passthrough.push(summary(await load(autocannon, passthrough.url, tokens, segment, connections)))
      runs.gateway.push(summary(await load(autocannon, gateway.url, tokens, segment, connections)))
    }
    const pass = combine(runs.passthrough, segment)
    const gw = combine(runs.gateway, segment)
    log(`gateway: ${gw.requestsPerSecond} req/s vs passthrough ${pass.requestsPerSecond} req/s`)
    return {
      seconds: segment * SEGMENTS,
      segments: SEGMENTS,
      connections,
      distinctTokens: tokens.length,
      sanity,
      passthrough: pass,
      gateway: gw,
      ratio: gw.requestsPerSecond / pass.requestsPerSecond,
    }
  } catch (error) {
    log(`gateway failed: ${firstLine(error)}`)
    return { error: String(error?.message ?? error).slice(0, 2000) }
  } finally {
    for (const w of started.reverse()) await w.stop().catch(() => {})
    await server.close()
  }
}

const run = promisify(execFile)

/** `wrangler deploy --dry-run --minify`: the gateway bundle as Cloudflare would receive it. */
export async function runSize({ snap, log }) {
  const missing = workerMissing(snap)
  if (missing !== undefined) return { skipped: missing }
  const outdir = await mkdtemp(join(tmpdir(), 'jwks-gateway-bench-bundle-'))
  try {
    const { stdout, stderr } = await run(
      process.execPath,
      [
        WRANGLER,
        'deploy',
        '--dry-run',
        '--minify',
        '--outdir',
        outdir,
        '--config',
        join(ROOT_DIR, 'wrangler.toml'),
      ],
      { cwd: ROOT_DIR, timeout: 120_000, env: { ...process.env, WRANGLER_SEND_METRICS: 'false', CI: '1' } },
    )
    const match = /Total Upload: ([\d.]+) KiB \/ gzip: ([\d.]+) KiB/.exec(stdout + stderr)
    if (match === null) return { error: 'no "Total Upload" line in the wrangler output' }
    const size = { minifiedKiB: Number(match[1]), gzipKiB: Number(match[2]), limitGzipKiB: 40 }
    log(`bundle: ${size.minifiedKiB} KiB, gzip ${size.gzipKiB} KiB`)
    return size
  } catch (error) {
    return { error: firstLine(error) }
  } finally {
    await rm(outdir, { recursive: true, force: true })
  }
}
