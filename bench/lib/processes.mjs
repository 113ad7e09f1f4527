// Child processes of the gateway section: started in their own process group, stopped by group id.
import { once } from 'node:events'
import { createServer } from 'node:net'
import { setTimeout as sleep } from 'node:timers/promises'

export async function freePort() {
  const server = createServer()
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const { port } = server.address()
  server.close()
  await once(server, 'close')
  return port
}

function signalGroup(pid, signal) {
  try {
    process.kill(-pid, signal)
  } catch (error) {
    if (error.code !== 'ESRCH') throw error
  }
}

function groupExists(pid) {
  try {
    process.kill(-pid, 0)
    return true
  } catch (error) {
    return error.code !== 'ESRCH'
  }
}

/** SIGTERM to the child's group (wrangler and its workerd), SIGKILL after 10 s; waits until gone. */
export async function terminateGroup(child) {
  if (child.exitCode === null && child.signalCode === null) {
    const exited = once(child, 'exit')
    signalGroup(child.pid, 'SIGTERM')
    const timer = setTimeout(() => signalGroup(child.pid, 'SIGKILL'), 10_000)
    await exited
    clearTimeout(timer)
  }
  signalGroup(child.pid, 'SIGKILL')
  const deadline = Date.now() + 5_000
  while (groupExists(child.pid) && Date.now() < deadline) await sleep(50)
}

/** Polls `url` until it answers `status`, or throws after `timeoutMs`. */
export async function waitForStatus(url, status, timeoutMs, headers = {}) {
  const deadline = Date.now() + timeoutMs
  let last = 'no answer'
  while (Date.now() < deadline) {
    try {
      const response = await fetch(url, { headers, signal: AbortSignal.timeout(2_000) })
      await response.arrayBuffer()
      if (response.status === status) return
      last = `HTTP ${response.status}`
    } catch (error) {
      last = error.message
    }
    await sleep(250)
  }
  throw new Error(`${url} did not answer ${status} within ${timeoutMs} ms (last: ${last})`)
}
