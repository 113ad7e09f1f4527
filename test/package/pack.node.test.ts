import { execFile } from 'node:child_process'
import { cp, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, posix } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const run = promisify(execFile)
const STEP_TIMEOUT_MS = 120_000
const ROOT = join(import.meta.dirname, '..', '..')

/**
 * What a user gets from a fresh clone: `git clone` of this commit, `npm pack` there (whose
 * `prepare` script builds `dist`), and the tarball installed into empty projects from the npm
 * cache (`--prefer-offline`). The clone borrows this checkout's node_modules, which stands for
 * its `npm install` (same lock file). Catches an empty package (no build before packing), a
 * missing `exports` target, source maps naming files left out, a runtime import of Express,
 * and an example that only works inside the repository.
 */
const CHECK = `
import { Hono } from 'hono'
import { createVerifier } from 'jwks-gateway'
import { jwksAuth, requireScopes } from 'jwks-gateway/hono'
import { filterJwks } from 'jwks-gateway/jwks'
import { createGateway } from 'jwks-gateway/worker'
import * as forExpress from 'jwks-gateway/express'
import { createTestIssuer } from 'jwks-gateway/testing'

const idp = await createTestIssuer()
const app = new Hono()
app.use('/api/*', jwksAuth({ issuer: idp.issuer, audience: idp.audience, fetch: idp.fetch }))
app.get('/api/admin', requireScopes('admin'), (c) => c.json({ sub: c.get('auth').payload.sub }))
const send = async (token) =>
  (await app.request('/api/admin', token ? { headers: { authorization: 'Bearer ' + token } } : {})).status
const statuses = [await send(), await send(await idp.sign({ scope: 'read' })), await send(await idp.sign({ scope: 'admin' }))]
const express = forExpress.jwksAuth({ issuer: idp.issuer, fetch: idp.fetch })
const verifier = createVerifier({ issuer: idp.issuer, audience: idp.audience, fetch: idp.fetch })
const core = (await verifier.verify(await idp.sign({ sub: 'packed' }))).payload.sub
const published = filterJwks({ keys: idp.privateJwks().keys }).keys.map((k) => Object.keys(k).includes('d'))
const gateway = typeof createGateway().fetch
console.log(JSON.stringify({ statuses, express: Object.keys(forExpress).sort(), handler: typeof express, core, published, gateway }))
`

interface PackageJson {
  exports: Record<string, string | Record<string, string>>
  bin: Record<string, string>
}

describe('the packed package, from a fresh clone', () => {
  let dir: string
  let tarball: string
  let files: string[]
  let pkg: PackageJson
  let clone: string

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'jwks-gateway-pack-'))
    clone = join(dir, 'clone')
    await run('git', ['clone', '--quiet', ROOT, clone], { timeout: STEP_TIMEOUT_MS })
    await symlink(join(ROOT, 'node_modules'), join(clone, 'node_modules'), 'dir')
    // No `npm run build` here: packing must build by itself.
    const { stdout } = await run('npm', ['pack', '--json', '--pack-destination', dir], {
      cwd: clone,
      timeout: STEP_TIMEOUT_MS,
    })
    const [manifest] = JSON.parse(stdout) as [{ filename: string; files: { path: string }[] }]
    tarball = join(dir, manifest.filename)
    files = manifest.files.map((f) => f.path)
    pkg = JSON.parse(await readFile(join(clone, 'package.json'), 'utf8')) as PackageJson
  }, 3 * STEP_TIMEOUT_MS)

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  it('holds every file that exports and bin name, and the sources its maps name', async () => {
    const targets = Object.values(pkg.exports).flatMap((target) =>
      typeof target === 'string' ? [target] : Object.values(target),
    )
    for (const target of [...targets, ...Object.values(pkg.bin)]) {
      expect(files).toContain(posix.normalize(target))
    }
    const maps = files.filter((file) => file.endsWith('.map'))
    expect(maps.length).toBeGreaterThan(0)
    const missing: string[] = []
    for (const map of maps) {
      const { sources } = JSON.parse(await readFile(join(clone, map), 'utf8')) as { sources: string[] }
      for (const source of sources) {
        const path = posix.join(posix.dirname(map), source)
        if (!files.includes(path)) missing.push(`${map} -> ${path}`)
      }
    }
    expect(missing).toEqual([])
    expect(files.filter((f) => /^(test|examples|scripts|bench)\//.test(f) || f.includes('.test.'))).toEqual(
      [],
    )
  })

  it(
    'installs into an empty project and serves every entry point and the CLI to plain Node ESM',
    async () => {
      const project = join(dir, 'app')
      await mkdir(project)
      await writeFile(
        join(project, 'package.json'),
        JSON.stringify({ name: 'scratch', private: true, type: 'module' }),
      )
      const entries = Object.keys(pkg.exports)
        .filter((key) => !key.endsWith('.json'))
        .map((key) => posix.join('jwks-gateway', key))
      await writeFile(
        join(project, 'entries.mjs'),
        `for (const entry of ${JSON.stringify(entries)}) {
          const names = Object.keys(await import(entry))
          if (names.length === 0) throw new Error(entry + ' exports nothing')
        }
        console.log('ok')`,
      )
      await writeFile(join(project, 'check.mjs'), CHECK)
      await run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', tarball, 'hono'], {
        cwd: project,
        timeout: STEP_TIMEOUT_MS,
      })
      // Express is an optional peer: not installed, and jwks-gateway/express must not need it.
      expect(
        await readFile(join(project, 'node_modules', 'express', 'package.json')).catch(() => 'absent'),
      ).toBe('absent')

      const node = (script: string) =>
        run(process.execPath, [script], { cwd: project, timeout: STEP_TIMEOUT_MS })
      expect((await node('entries.mjs')).stdout.trim()).toBe('ok')
      expect(JSON.parse((await node('check.mjs')).stdout)).toEqual({
        statuses: [401, 403, 200],
        express: [
          'JwtAuthError',
          'getAuth',
          'httpAnswer',
          'isJwtAuthError',
          'jwksAuth',
          'protectedResourceMetadata',
          'requireScopes',
          'requireStepUp',
          'withAuth',
        ],
        handler: 'function',
        core: 'packed',
        published: [false],
        gateway: 'function',
      })
      const help = await run(
        process.execPath,
        [join(project, 'node_modules', '.bin', 'jwks-gateway'), 'thumbprint', '--help'],
        { cwd: project, timeout: STEP_TIMEOUT_MS },
      )
      expect(help.stdout).toContain('thumbprint')
    },
    3 * STEP_TIMEOUT_MS,
  )

  it(
    'gives examples/cloudflare-worker, copied out of the repository, a passing test',
    async () => {
      const worker = join(dir, 'worker')
      await cp(join(clone, 'examples', 'cloudflare-worker'), worker, { recursive: true })
      // As the example's README says: point the dependency at the package you have.
      await run('npm', ['pkg', 'set', `dependencies.jwks-gateway=file:${tarball}`], { cwd: worker })
      await run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline'], {
        cwd: worker,
        timeout: STEP_TIMEOUT_MS,
      })
      const { stdout, stderr } = await run('npm', ['test'], {
        cwd: worker,
        timeout: STEP_TIMEOUT_MS,
        env: { ...process.env, CI: 'true', WRANGLER_SEND_METRICS: 'false', FORCE_COLOR: '0', NO_COLOR: '1' },
      })
      expect(stdout).toMatch(/Tests\s+3 passed/)
      expect(`${stdout}${stderr}`).not.toContain('missing source files')
    },
    3 * STEP_TIMEOUT_MS,
  )
})
