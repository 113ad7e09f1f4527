import { execFile } from 'node:child_process'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, describe, expect, it } from 'vitest'

const run = promisify(execFile)

interface Cell {
  rate: number
  ratio: number
  ratios: number[]
  errors: number
}

interface QuickReport {
  meta: { node: string; config: { quick: boolean; algorithms: string[] } }
  throughput: {
    sanity: Record<string, Record<string, { accepts: boolean; rejectsForged: boolean | null }>>
    results: Record<
      string,
      Record<string, Record<string, { floor: { rate: number }; cols: Record<string, Cell> }>>
    >
  }
  resilience: { results: Record<string, { cold: { jwks: number; ok: number; of: number } }> }
  targets: { id: string; met: boolean | null }[]
}

// The benchmark harness in its smoke mode: core and floor only, a few tiny cells, no peers (so no
// bench/node_modules) and no timing assertions: it only has to run and write well-formed results.
// Needs the root build, which `npm test` runs first.
describe('bench/run.mjs --quick', () => {
  let out: string | undefined
  afterAll(async () => {
    if (out !== undefined) await rm(out, { recursive: true, force: true })
  })

  it('measures core and floor and writes results.json, results.md and throughput.svg', async () => {
    out = await mkdtemp(join(tmpdir(), 'jwks-gateway-bench-test-'))
    await run(process.execPath, ['bench/run.mjs', '--quick', '--out', out], { timeout: 90_000 })

    const report = JSON.parse(await readFile(join(out, 'results.json'), 'utf8')) as QuickReport
    expect(report.meta.config.quick).toBe(true)
    for (const alg of report.meta.config.algorithms) {
      expect(report.throughput.sanity.core?.[alg]).toMatchObject({ accepts: true, rejectsForged: true })
      for (const scenario of ['distinct', 'reuse', 'repeated']) {
        for (const c of ['1', '16']) {
          const block = report.throughput.results[scenario]?.[alg]?.[c]
          expect(block?.floor.rate).toBeGreaterThan(0)
          const core = block?.cols.core
          expect(core?.rate).toBeGreaterThan(0)
          expect(Number.isFinite(core?.ratio)).toBe(true)
          expect(core?.errors).toBe(0)
        }
      }
    }
    const cold = report.resilience.results.core?.cold
    expect(cold?.ok).toBe(cold?.of)
    expect(report.targets.length).toBeGreaterThan(0)
    for (const target of report.targets) expect([true, false, null]).toContain(target.met)

    const markdown = await readFile(join(out, 'results.md'), 'utf8')
    expect(markdown).toContain('## Distinct tokens')
    expect(markdown).toContain('| jwks-gateway verify() |')
    const svg = await readFile(join(out, 'throughput.svg'), 'utf8')
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true)
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true)
  }, 120_000)
})
