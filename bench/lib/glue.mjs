// The middleware's own cost: what `jwksAuth` adds to a request beyond its framework and the core
// verification it calls. One cached token (so the verification is cheap and the glue visible),
// c=1, in one process; per round each variant runs a batch of requests, the variants in
// shuffled order, and the glue is taken within the round:
//   glue = (framework + jwksAuth) − (framework, no auth) − core verify()
// Hono through `app.request()` (no socket); Express through a keep-alive socket on 127.0.0.1 (its
// client runs in this process too, the same for both Express variants). Times are the main
// thread's CPU time, not wall time: the machine is shared.
import { firstLine } from './env.mjs'
import { expressHost, honoHost } from './hosts.mjs'
import { median } from './pool.mjs'
import { rng, shuffle, signPool } from './tokens.mjs'

/**
 * CPU time of the main thread (every variant runs there; Node ≥ 23.9), else of the process:
 * less sensitive than wall time to what else the shared machine runs.
 */
const cpuUsage =
  typeof process.threadCpuUsage === 'function'
    ? (prev) => process.threadCpuUsage(prev)
    : (prev) => process.cpuUsage(prev)

/** µs of CPU time per operation, over `count` operations in sequence. */
async function batch(op, count) {
  const before = cpuUsage()
  for (let i = 0; i < count; i++) await op()
  const { user, system } = cpuUsage(before)
  return (user + system) / count
}

export async function runGlue({ snap, server, audience, settings, log }) {
  const { rounds, honoBatch, expressBatch } = settings
  const hosts = []
  try {
    const { createVerifier } = await snap.dist('index.js')
    const hono = await snap.dist('hono/index.js')
    const exp = await snap.dist('express/index.js')
    if (hono === undefined || exp === undefined) return { skipped: 'dist/hono or dist/express not built' }
    const { Hono } = await snap.load('hono')
    const express = (await snap.load('express')).default
    const [token] = await signPool(server.issuer, 'ES256', 1, 1700)
    const options = { issuer: server.url, audience }
    const verifier = createVerifier(options)
    const honoPlain = honoHost(Hono)
    const honoAuth = honoHost(Hono)
    honoAuth.use(hono.jwksAuth(options))
    const expressPlain = await expressHost(express)
    const expressAuth = await expressHost(express)
    hosts.push(expressPlain, expressAuth)
    expressAuth.use(exp.jwksAuth(options))
    const ok = (host) => async () => {
      const status = await host.status(token)
      if (status !== 200) throw new Error(`HTTP ${status}`)
    }
    const variants = {
      core: { op: () => verifier.verify(token), count: honoBatch },
      'hono-plain': { op: ok(honoPlain), count: honoBatch },
      hono: { op: ok(honoAuth), count: honoBatch },
      'express-plain': { op: ok(expressPlain), count: expressBatch },
      express: { op: ok(expressAuth), count: expressBatch },
    }
    // Untimed: discovery, key fetch, the token's first verification, JIT.
    for (const v of Object.values(variants)) await batch(v.op, Math.min(v.count, 200))
    const random = rng(31)
    const raw = Object.fromEntries(Object.keys(variants).map((id) => [id, []]))
    for (let round = 0; round < rounds; round++) {
      for (const id of shuffle(Object.keys(variants), random))
        raw[id].push(await batch(variants[id].op, variants[id].count))
    }
    const glue = (framework) => raw[framework].map((t, i) => t - raw[`${framework}-plain`][i] - raw.core[i])
    const result = {
      ...settings,
      algorithm: 'ES256',
      perRequestUs: Object.fromEntries(Object.entries(raw).map(([id, v]) => [id, median(v)])),
      glueHonoUs: median(glue('hono')),
      glueExpressUs: median(glue('express')),
      glueHonoRounds: glue('hono').map((x) => Math.round(x * 100) / 100),
      glueExpressRounds: glue('express').map((x) => Math.round(x * 100) / 100),
    }
    log(
      `glue: Hono ${result.glueHonoUs.toFixed(2)} µs, Express ${result.glueExpressUs.toFixed(2)} µs per request ` +
        `(core ${result.perRequestUs.core.toFixed(2)} µs, Hono plain ${result.perRequestUs['hono-plain'].toFixed(2)} µs)`,
    )
    return result
  } catch (error) {
    log(`glue failed: ${firstLine(error)}`)
    return { error: String(error?.message ?? error).slice(0, 2000) }
  } finally {
    for (const host of hosts) await host.close().catch(() => {})
  }
}
