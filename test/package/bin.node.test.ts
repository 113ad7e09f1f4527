import { execFile } from 'node:child_process'
import { readFile, stat } from 'node:fs/promises'
import { resolve } from 'node:path'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'

const ROOT = resolve(import.meta.dirname, '../..')
const EXECUTABLE_BITS = 0o111

/**
 * `npx jwks-gateway` inside this repository runs `package.json`'s `bin` straight from `dist/`,
 * so the build must leave it executable (npm sets the bit only when it installs a package).
 * Needs `npm run build` first (`npm test` does it in `pretest`).
 */
describe('the built CLI', () => {
  it('is executable where package.json\'s "bin" points, and runs as a program', async () => {
    const { bin, version } = JSON.parse(await readFile(resolve(ROOT, 'package.json'), 'utf8')) as {
      bin: Record<string, string>
      version: string
    }
    const path = resolve(ROOT, bin['jwks-gateway'] ?? '')
    const { mode } = await stat(path)
    expect(mode & EXECUTABLE_BITS, 'run `npm run build`').toBe(EXECUTABLE_BITS)
    const { stdout } = await promisify(execFile)(path, ['--version'], { cwd: ROOT })
    expect(stdout.trim()).toBe(version)
  })
})
