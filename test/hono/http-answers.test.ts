import { beforeAll, describe, it } from 'vitest'
import { createTestIssuer, type TestIssuer } from '../../src/testing/index.js'
import { ANSWER_ROWS } from '../middleware/support/answer-rows.js'
import { honoHarness } from '../middleware/support/hono-app.js'
import { type Method, runAnswerRow } from '../middleware/support/run-row.js'
import { mintTokens, type Tokens } from '../middleware/support/tokens.js'

// docs/middleware.md#http-answers through `app.request()`, in workerd and in Node (this file runs in both projects).
describe('Hono jwksAuth: docs/middleware.md#http-answers', () => {
  let idp: TestIssuer
  let tokens: Tokens

  beforeAll(async () => {
    idp = await createTestIssuer({ algorithms: ['RS256', 'ES256'] })
    tokens = await mintTokens(idp)
  })

  for (const method of ['GET', 'HEAD'] satisfies Method[]) {
    describe(method, () => {
      for (const row of ANSWER_ROWS) {
        it(`${row.name} → ${row.status}`, async () => {
          await runAnswerRow(honoHarness(idp), idp, tokens, row, method)
        })
      }
    })
  }
})
