import { afterAll, beforeAll, describe, it } from 'vitest'
import { createTestIssuer, type TestIssuer } from '../../src/testing/index.js'
import { ANSWER_ROWS } from '../middleware/support/answer-rows.js'
import { expressHarness } from '../middleware/support/express-app.js'
import { type Method, runAnswerRow } from '../middleware/support/run-row.js'
import { mintTokens, type Tokens } from '../middleware/support/tokens.js'

// docs/middleware.md#http-answers against Express 5 on a real socket (127.0.0.1, port 0) with the real `fetch`.
describe('Express jwksAuth: docs/middleware.md#http-answers', () => {
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
      for (const row of ANSWER_ROWS) {
        it(`${row.name} → ${row.status}`, async () => {
          await runAnswerRow(harness, idp, tokens, row, method)
        })
      }
    })
  }
})
