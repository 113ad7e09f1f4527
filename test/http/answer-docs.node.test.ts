import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { JWT_AUTH_ERROR_CODES, JwtAuthError, type JwtAuthErrorCode } from '../../src/errors.js'
import { httpAnswer } from '../../src/http/answer.js'

// The HTTP-answer tables of the README and docs/ restate `httpAnswer`; this keeps them from
// drifting. A table is recognised by its header row; each row names its codes in backticks.
const DOCUMENTS = ['README.md', 'docs/middleware.md']
const HEADER = '| situation | codes | status | `WWW-Authenticate` |'

interface Row {
  codes: JwtAuthErrorCode[]
  status: number
  challenge: string | undefined
}

function tableRows(file: string): Row[] {
  const lines = readFileSync(new URL(`../../${file}`, import.meta.url), 'utf8').split('\n')
  const start = lines.indexOf(HEADER)
  if (start < 0) throw new Error(`${file} has no HTTP-answer table`)
  const rows: Row[] = []
  for (const line of lines.slice(start + 2)) {
    if (!line.startsWith('|')) break
    const [, , codes = '', status = '', challenge = ''] = line.split(/(?<!\\)\|/).map((cell) => cell.trim())
    rows.push({
      codes: [...codes.matchAll(/`(ERR_[A-Z_]+)`/g)].map((match) => match[1] as JwtAuthErrorCode),
      status: Number(status),
      challenge: challenge.startsWith('`') ? challenge.slice(1, challenge.indexOf('`', 1)) : undefined,
    })
  }
  return rows
}

describe.each(DOCUMENTS)('the HTTP-answer table of %s', (file) => {
  const rows = tableRows(file)

  it('names every error code exactly once', () => {
    const named = rows.flatMap((row) => row.codes)
    expect([...named].sort()).toEqual([...JWT_AUTH_ERROR_CODES].sort())
  })

  it.each(rows.flatMap((row) => row.codes.map((code) => [code, row] as const)))(
    '%s answers as the table says',
    (code, row) => {
      const answer = httpAnswer(new JwtAuthError(code, { requiredScopes: ['admin'], retryAfterSeconds: 5 }), {
        realm: 'api',
      })
      expect(answer.status).toBe(row.status)
      expect(answer.headers['www-authenticate']).toBe(row.challenge)
      if (row.challenge === undefined) expect(answer.headers['retry-after']).toBe('5')
    },
  )
})
