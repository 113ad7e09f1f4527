import { afterAll, beforeAll, describe, it } from 'vitest'
import { createTestIssuer, type TestIssuer } from '../../src/testing/index.js'
import { expressHarness } from '../middleware/support/express-app.js'
import { type Method, runSpecRow } from '../middleware/support/run-row.js'
import { SPEC_ROWS } from '../middleware/support/spec-rows.js'
import { mintTokens, type Tokens } from '../middleware/support/tokens.js'

// SPEC §5 against Express 5 on a real socket (127.0.0.1, port 0) with the real `fetch`.
describe('Express jwksAuth: SPEC §5', () => {
  let idp: TestIssuer
  let tokens: Tokens
  let harness: Awaited<ReturnType<typeof expressHarness>>

  beforeAll(async () => {
    idp = await createTestIssuer({ algorithms: ['RS256', 'ES256'] })
    tokens = await mintTokens(idp)
    harness = await expressHarness(idp)
  })

  afterAll(() => harness.close())

  for (const method of ['GET', 'HEAD'] satisfies Method[]) {
    describe(method, () => {
      for (const row of SPEC_ROWS) {
        it(`${row.name} → ${row.status}`, async () => {
          await runSpecRow(harness, idp, tokens, row, method)
        })
      }
    })
  }
})
