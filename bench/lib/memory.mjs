// Memory: runs memory-child.mjs in its own process (with --expose-gc), so its heap is only the
// verifier's and the harness's current batch, and reads its JSON.
import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { firstLine } from './env.mjs'

const run = promisify(execFile)
const CHILD = fileURLToPath(new URL('./memory-child.mjs', import.meta.url))

export async function runMemory({ snap, log, tokens = 100_000 }) {
  try {
    const { stdout } = await run(process.execPath, ['--expose-gc', CHILD, snap.dir, String(tokens)], {
      timeout: 180_000,
      maxBuffer: 1 << 20,
    })
    const result = JSON.parse(stdout.trim().split('\n').at(-1))
    const { heap } = result.realistic
    const at = (n) => heap.find((h) => h.tokens === n)?.heapMiB
    log(`memory: heap ${heap.map((h) => `${h.tokens}:${h.heapMiB}MiB`).join(' ')}`)
    return {
      ...result,
      bound: { entries: 10_000, tokenMiB: 8 },
      heapGrowthAfter20kMiB:
        at(20_000) === undefined || at(tokens) === undefined
          ? null
          : Math.round((at(tokens) - at(20_000)) * 10) / 10,
    }
  } catch (error) {
    return { error: firstLine(error) }
  }
}
