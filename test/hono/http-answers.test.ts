import { beforeAll, describe, it } from 'vitest'
import { createTestIssuer, type TestIssuer } from '../../src/testing/index.js'
import { honoHarness } from '../middleware/support/hono-app.js'
import { type Method, runSpecRow } from '../middleware/support/run-row.js'
import { SPEC_ROWS } from '../middleware/support/spec-rows.js'
import { mintTokens, type Tokens } from '../middleware/support/tokens.js'

// SPEC §5 through `app.request()`, in workerd and in Node (this file runs in both projects).
describe('Hono jwksAuth: SPEC §5', () => {
  let idp: TestIssuer
  let tokens: Tokens

  beforeAll(async () => {
    idp = await createTestIssuer({ algorithms: ['RS256', 'ES256'] })
    tokens = await mintTokens(idp)
  })

  for (const method of ['GET', 'HEAD'] satisfies Method[]) {
    describe(method, () => {
      for (const row of SPEC_ROWS) {
        it(`${row.name} → ${row.status}`, async () => {
          await runSpecRow(honoHarness(idp), idp, tokens, row, method)
        })
      }
    })
  }
})
