#!/usr/bin/env node
// `npm start`: the gateway Worker in workerd (`wrangler dev`, echo mode: no UPSTREAM) against a
// local test issuer, then a ready-to-paste curl line with a freshly minted token.
//
//   npm start                      gateway on 127.0.0.1:8787, issuer on a free port
//   npm start -- --port 9000       another gateway port (or PORT=9000)
//   npm start -- --issuer-port 9100
//
// Ctrl-C (SIGINT), SIGTERM or a closed terminal (SIGHUP) stops everything this started:
// wrangler's whole process group (workerd included) and the issuer.
// First, before anything that an older Node cannot run: stop with what to do on such a Node.
import './require-node.mjs'
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { freePort, terminateGroup, waitUntilHealthy } from './lib/processes.mjs'

/** Long enough for a cold `wrangler dev` (bundle + workerd start) on a slow CI machine. */
const READY_TIMEOUT_MS = 90_000
/** Lifetime of the printed token: long enough to play with, short enough to stay a test token. */
const TOKEN_LIFETIME_SECONDS = 60 * 60
const AUDIENCE = 'https://api.local.test'
const DEFAULT_PORT = '8787'
/**
 * What stops everything: Ctrl-C, `kill`, and a closed terminal. wrangler runs in its own process
 * group (so that stopping it takes workerd along), which the terminal's SIGHUP does not reach.
 */
const STOP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP']

const root = join(dirname(fileURLToPath(import.meta.url)), '..')

// Node < 22.18 strips TypeScript types only with a flag: run again with it.
if (!process.features.typescript) {
  const again = spawn(process.execPath, ['--experimental-strip-types', ...process.argv.slice(1)], {
    stdio: 'inherit',
  })
  for (const signal of STOP_SIGNALS) process.on(signal, () => again.kill(signal))
  again.on('exit', (code, signal) => process.exit(code ?? (signal === null ? 1 : 130)))
} else {
  await main()
}

async function main() {
  const { values } = parseArgs({
    options: { port: { type: 'string' }, 'issuer-port': { type: 'string' } },
  })
  const port = values.port ?? process.env.PORT ?? DEFAULT_PORT
  const { importTs } = await import('./lib/import-ts.mjs')
  const { startTestIssuerServer } = await importTs(new URL('../src/testing/node.ts', import.meta.url))
  const { DEFAULT_COOLDOWN_MS } = await importTs(new URL('../src/cache/limits.ts', import.meta.url))
  // `admin`: the issuer's POST /token, /rotate and /fail routes (as `jwks-gateway serve` has them),
  // so that a new token or a rotation needs no restart.
  const server = await startTestIssuerServer({
    port: Number(values['issuer-port'] ?? 0),
    audience: AUDIENCE,
    admin: true,
  })
  const persist = mkdtempSync(join(tmpdir(), 'jwks-gateway-dev-'))
  const wrangler = join(
    dirname(createRequire(import.meta.url).resolve('wrangler/package.json')),
    'bin/wrangler.js',
  )
  const child = spawn(
    process.execPath,
    [
      wrangler,
      'dev',
      '--ip',
      '127.0.0.1',
      '--port',
      port,
      '--inspector-port',
      String(await freePort()),
      '--var',
      `ISSUER:${server.url}`,
      '--var',
      `AUDIENCE:${AUDIENCE}`,
      '--persist-to',
      persist,
      '--show-interactive-dev-session=false',
    ],
    {
      cwd: root,
      // Its own process group, so that stopping it takes workerd along.
      detached: true,
      // No telemetry, and no fetch of workers.cloudflare.com/cf.json for `request.cf` (miniflare's
      // CLOUDFLARE_CF_FETCH_ENABLED): offline it printed a getaddrinfo stack trace, and the
      // gateway reads nothing from `request.cf`.
      env: { ...process.env, WRANGLER_SEND_METRICS: 'false', CLOUDFLARE_CF_FETCH_ENABLED: 'false' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  )
  // wrangler's own output (and the Worker's logs) go to stderr; stdout is ours.
  child.stdout.pipe(process.stderr)
  child.stderr.pipe(process.stderr)

  let stopping = false
  async function stop(code) {
    if (stopping) return
    stopping = true
    await terminateGroup(child)
    await server.close()
    rmSync(persist, { recursive: true, force: true })
    process.exit(code)
  }
  for (const signal of STOP_SIGNALS) process.on(signal, () => void stop(0))
  child.on('exit', (code) => {
    if (stopping) return
    console.error(`jwks-gateway: wrangler dev exited (${code ?? 'signal'})`)
    void stop(1)
  })

  const gateway = `http://127.0.0.1:${port}`
  try {
    await waitUntilHealthy(`${gateway}/healthz`, READY_TIMEOUT_MS, () => stopping)
  } catch (error) {
    console.error(`jwks-gateway: ${error.message}`)
    await stop(1)
    return
  }
  const token = await server.issuer.sign(
    { sub: 'local-user', scope: 'read write' },
    { expiresInSeconds: TOKEN_LIFETIME_SECONDS },
  )
  console.log(`jwks-gateway on ${gateway} (workerd, echo mode), issuer ${server.url}, audience ${AUDIENCE}`)
  console.log(`health: ${gateway}/healthz   public keys: ${gateway}/.well-known/jwks.json`)
  console.log(
    `new token: curl -s -X POST -H 'Content-Type: application/json' -d '{"claims":{"sub":"alice"}}' ${server.url}/token`,
  )
  console.log(
    `rotate: POST ${server.url}/rotate; the gateway fetches keys again for an unknown kid, but at most once per ${DEFAULT_COOLDOWN_MS / 1000} s (cooldown): until then a new kid gets 401`,
  )
  console.log(`stop with Ctrl-C (wrangler pid ${child.pid})`)
  console.log(`curl -H 'Authorization: Bearer ${token}' ${gateway}/hello`)
}
