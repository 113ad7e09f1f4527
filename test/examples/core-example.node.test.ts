import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'

const run = promisify(execFile)

// The README's core example, run as a user would (after `npm run build`, which `npm test` does first).
describe('examples/core/verify.mjs', () => {
  it('verifies a token from the local issuer and rejects one for another audience', async () => {
    const { stdout } = await run(process.execPath, ['examples/core/verify.mjs'], { timeout: 30_000 })
    expect(stdout).toMatch(
      /verified \{\s+sub: 'alice',\s+scope: 'read',\s+issuer: 'http:\/\/127\.0\.0\.1:\d+'/,
    )
    expect(stdout).toContain('rejected ERR_AUDIENCE_MISMATCH')
  }, 40_000)
})
