import { readFile } from 'node:fs/promises'
import { describe, expect, it } from 'vitest'
import { parseFailureMode } from '../../src/testing/failure-mode.js'
import { createTestIssuer } from '../../src/testing/index.js'

const FAILURE_KINDS = [
  'down',
  'hang',
  'slow',
  'drip',
  'status',
  'rate-limited',
  'bad-json',
  'huge',
  'redirect',
]

describe('docs/testing.md, the reference of jwks-gateway/testing', () => {
  it('names every member of a TestIssuer', async () => {
    const doc = await readFile('docs/testing.md', 'utf8')
    const idp = await createTestIssuer()
    const missing = Object.keys(idp).filter((name) => !new RegExp(`\`${name}[(\`]`).test(doc))
    expect(missing).toEqual([])
  })

  it('names every failure mode kind, and no kind the issuer does not know', async () => {
    const doc = await readFile('docs/testing.md', 'utf8')
    const documented = [...doc.matchAll(/^\| `([a-z-]+)` \| /gm)]
      .map((m) => m[1]!)
      .filter((k) => FAILURE_KINDS.includes(k))
    expect(documented).toEqual(FAILURE_KINDS)
    // Every kind listed here is one the issuer accepts (with its required fields).
    const samples = [
      { kind: 'down' },
      { kind: 'hang' },
      { kind: 'slow', delayMs: 1 },
      { kind: 'drip', intervalMs: 1 },
      { kind: 'status', status: 500 },
      { kind: 'rate-limited', retryAfterSeconds: 1 },
      { kind: 'bad-json' },
      { kind: 'huge', bytes: 1 },
      { kind: 'redirect', location: 'https://elsewhere.test/' },
    ]
    expect(samples.map((mode) => parseFailureMode(mode)?.kind)).toEqual(FAILURE_KINDS)
    expect(() => parseFailureMode({ kind: 'flaky' })).toThrow()
  })
})
