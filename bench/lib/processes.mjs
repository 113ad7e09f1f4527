// Child processes of the gateway section: the start script's helpers (own process group, stopped
// by group id), plus a readiness poll on a given status.
import { setTimeout as sleep } from 'node:timers/promises'

export { freePort, terminateGroup } from '../../scripts/lib/processes.mjs'

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
