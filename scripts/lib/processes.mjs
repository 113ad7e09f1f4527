// Small process and network helpers for scripts/start.mjs.
import { once } from 'node:events'
import { createServer } from 'node:net'
import { setTimeout as sleep } from 'node:timers/promises'

/** How long a child gets to exit after SIGTERM before its group is killed. */
const TERMINATE_GRACE_MS = 10_000
/** How long killed grandchildren get to be reaped, polled every GROUP_POLL_MS. */
const GROUP_EXIT_TIMEOUT_MS = 5_000
const GROUP_POLL_MS = 50
/** Between two readiness probes. */
const POLL_INTERVAL_MS = 250

/** A port free on 127.0.0.1 right now (wrangler's inspector must not clash with another run). */
export async function freePort() {
  const server = createServer()
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const { port } = server.address()
  server.close()
  await once(server, 'close')
  return port
}

/**
 * Stops a child started with `detached: true` and everything in its process group: SIGTERM,
 * then SIGKILL after a grace period. Resolves once the child has exited.
 * @param {import('node:child_process').ChildProcess} child
 */
export async function terminateGroup(child) {
  if (child.exitCode === null && child.signalCode === null) {
    const exited = once(child, 'exit')
    signalGroup(child.pid, 'SIGTERM')
    const timer = setTimeout(() => signalGroup(child.pid, 'SIGKILL'), TERMINATE_GRACE_MS)
    await exited
    clearTimeout(timer)
  }
  // Grandchildren (workerd) that outlived wrangler go too; wait until the group is empty.
  signalGroup(child.pid, 'SIGKILL')
  const deadline = Date.now() + GROUP_EXIT_TIMEOUT_MS
  while (groupExists(child.pid) && Date.now() < deadline) await sleep(GROUP_POLL_MS)
}

function groupExists(pid) {
  try {
    process.kill(-pid, 0)
    return true
  } catch (error) {
    return error.code !== 'ESRCH'
  }
}

function signalGroup(pid, signal) {
  try {
    process.kill(-pid, signal)
  } catch (error) {
    if (error.code !== 'ESRCH') throw error
  }
}

/**
 * Polls `url` until it answers 200, the deadline passes, or `cancelled()` says to give up.
 * @param {string} url
 * @param {number} timeoutMs
 * @param {() => boolean} cancelled
 */
export async function waitUntilHealthy(url, timeoutMs, cancelled) {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (cancelled()) throw new Error('stopped before the gateway was ready')
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(2_000) })
      await response.body?.cancel()
      if (response.status === 200) return
    } catch {
      // Not listening yet.
    }
    await sleep(POLL_INTERVAL_MS)
  }
  throw new Error(`the gateway did not answer ${url} within ${timeoutMs} ms`)
}
