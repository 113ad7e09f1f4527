// Running code inside workerd for the bench: bundles (esbuild, the bundler wrangler uses, with
// workerd's export conditions) against the snapshot of dist/, starts workerd through Miniflare
// (the root's node_modules/miniflare and its workerd binary; no `wrangler dev` and no Node proxy
// in front: requests go straight to workerd's socket), and reads workerd's CPU time from
// /proc/<pid>/task/*/schedstat (nanoseconds on CPU, every thread), so a figure is CPU time, not
// wall time on a loaded machine.
import { copyFile, readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { BENCH_DIR } from './env.mjs'

export const COMPATIBILITY_DATE = '2026-11-01'
export const COMPATIBILITY_FLAGS = ['nodejs_compat']

/** Bundles `entry` (a path inside the snapshot) to one ES module; returns its text. */
export async function bundle(snap, entry) {
  const esbuild = await snap.load('esbuild')
  const result = await esbuild.build({
    entryPoints: [join(snap.dir, entry)],
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'neutral',
    target: 'es2022',
    conditions: ['workerd', 'worker', 'browser'],
    mainFields: ['module', 'main'],
    external: ['node:*', 'cloudflare:*'],
    alias: { 'jwks-gateway-dist': join(snap.dir, 'dist', 'index.js') },
    logLevel: 'silent',
  })
  return result.outputFiles[0].text
}

/** The bench Worker (bench/workerd/worker.mjs), bundled with the snapshot's core and the root's jose. */
export async function bundleBenchWorker(snap) {
  await copyFile(join(BENCH_DIR, 'workerd', 'worker.mjs'), join(snap.dir, 'bench-worker.mjs'))
  return bundle(snap, 'bench-worker.mjs')
}

/** A Worker definition for Miniflare from bundled code. */
export function workerOptions(name, code, extra = {}) {
  return {
    name,
    modules: [{ type: 'ESModule', path: `${name}.mjs`, contents: code }],
    compatibilityDate: COMPATIBILITY_DATE,
    compatibilityFlags: COMPATIBILITY_FLAGS,
    ...extra,
  }
}

async function childPids(ppid) {
  const out = []
  for (const entry of await readdir('/proc').catch(() => [])) {
    if (!/^\d+$/.test(entry)) continue
    const stat = await readFile(`/proc/${entry}/stat`, 'utf8').catch(() => '')
    const close = stat.lastIndexOf(')')
    const fields = stat.slice(close + 2).split(' ')
    if (Number(fields[1]) === ppid)
      out.push({ pid: Number(entry), comm: stat.slice(stat.indexOf('(') + 1, close) })
  }
  return out
}

/** Starts Miniflare (`options`: its documented `{ workers: [...], ...shared }`); resolves to `{ mf, url, pid, cpuNs(), close() }`. `pid` is workerd's (Linux). */
export async function startWorkerd(snap, options) {
  const { Miniflare, convertV4MiniflareOptions } = await snap.load('miniflare')
  const before = new Set((await childPids(process.pid)).map((c) => c.pid))
  // The documented (v4-style) options, converted by Miniflare itself; no dev registry.
  const mf = new Miniflare(
    convertV4MiniflareOptions({ host: '127.0.0.1', port: 0, logRequests: false, ...options }),
  )
  const url = (await mf.ready).href.replace(/\/$/, '')
  const spawned = (await childPids(process.pid)).filter((c) => !before.has(c.pid) && /workerd/.test(c.comm))
  const pid = spawned.at(-1)?.pid
  return {
    mf,
    url,
    pid,
    /** workerd's CPU time so far, ns, summed over its threads; undefined when not readable. */
    async cpuNs() {
      if (pid === undefined) return undefined
      let total = 0
      for (const task of await readdir(`/proc/${pid}/task`).catch(() => [])) {
        const text = await readFile(`/proc/${pid}/task/${task}/schedstat`, 'utf8').catch(() => '0')
        total += Number(text.split(' ')[0])
      }
      return total
    },
    close: () => mf.dispose(),
  }
}

/** Times one request: wall ms and workerd CPU ns; throws unless it answers 200. */
export async function timed(workerd, path, init) {
  const cpu0 = await workerd.cpuNs()
  const t0 = performance.now()
  const response = await fetch(`${workerd.url}${path}`, init)
  const body = await response.text()
  const wallMs = performance.now() - t0
  const cpu1 = await workerd.cpuNs()
  if (response.status !== 200)
    throw new Error(`${path.split('?')[0]}: HTTP ${response.status} ${body.slice(0, 200)}`)
  return { wallMs, cpuNs: cpu0 === undefined ? undefined : cpu1 - cpu0, body }
}

export const post = (value) => ({
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(value),
})

/**
 * What `n` operations cost in workerd: `/run?...&n=N` minus `/run?...&n=0`, per operation, as
 * workerd CPU µs (and wall µs, for reference). The N=0 request carries the HTTP and routing cost.
 */
export async function costPerOp(workerd, query, n) {
  const empty = await timed(workerd, `/run?${query}&n=0`)
  const full = await timed(workerd, `/run?${query}&n=${n}`)
  return {
    cpuUs: full.cpuNs === undefined ? null : (full.cpuNs - empty.cpuNs) / n / 1000,
    wallUs: ((full.wallMs - empty.wallMs) * 1000) / n,
  }
}

/** The bench Worker's /run query for `params`, `from` the next unused token of `cursor`. */
export function runQuery(params, cursor, n) {
  const from = cursor.next
  cursor.next += n
  return new URLSearchParams({ ...params, from: String(from) }).toString()
}

/** 1-minute load average (Linux), to print with every figure. */
export async function loadAverage() {
  const text = await readFile('/proc/loadavg', 'utf8').catch(() => '')
  return text === '' ? null : Number(text.split(' ')[0])
}
