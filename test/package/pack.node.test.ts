import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const run = promisify(execFile)
const STEP_TIMEOUT_MS = 120_000

/**
 * What a user gets from npm: the packed tarball installed into an empty project (from the npm
 * cache, `--prefer-offline`), imported with plain Node ESM. Catches a missing `exports` entry,
 * a file left out of `files`, or a runtime import of Express. Needs `npm run build` first
 * (`npm test` does it in `pretest`).
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

describe('the packed package', () => {
  let dir: string

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'jwks-gateway-pack-'))
  })

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  it('installs from its tarball and serves every entry point and the CLI to plain Node ESM', async () => {
    expect(
      existsSync('dist/hono/index.js') && existsSync('dist/express/index.js'),
      'run `npm run build`',
    ).toBe(true)
    const { stdout: packed } = await run('npm', ['pack', '--json', '--pack-destination', dir], {
      timeout: STEP_TIMEOUT_MS,
    })
    const [manifest] = JSON.parse(packed) as [{ filename: string; files: { path: string }[] }]
    const files = manifest.files.map((f) => f.path)
    for (const entry of [
      'index',
      'hono/index',
      'express/index',
      'worker/index',
      'jwks/index',
      'testing/index',
    ]) {
      expect(files).toContain(`dist/${entry}.js`)
      expect(files).toContain(`dist/${entry}.d.ts`)
    }
    expect(files.filter((f) => /^(src|test|examples)\//.test(f) || f.includes('.test.'))).toEqual([])

    const project = join(dir, 'app')
    await mkdir(project)
    await writeFile(
      join(project, 'package.json'),
      JSON.stringify({ name: 'scratch', private: true, type: 'module' }),
    )
    await writeFile(join(project, 'check.mjs'), CHECK)
    await run(
      'npm',
      ['install', '--no-audit', '--no-fund', '--prefer-offline', join(dir, manifest.filename), 'hono'],
      { cwd: project, timeout: STEP_TIMEOUT_MS },
    )
    // Express is an optional peer: not installed, and jwks-gateway/express must not need it.
    expect(existsSync(join(project, 'node_modules', 'express'))).toBe(false)

    const { stdout } = await run(process.execPath, ['check.mjs'], { cwd: project, timeout: STEP_TIMEOUT_MS })
    expect(JSON.parse(stdout)).toEqual({
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
    const cli = await run(
      process.execPath,
      [join(project, 'node_modules', '.bin', 'jwks-gateway'), 'thumbprint', '--help'],
      {
        cwd: project,
        timeout: STEP_TIMEOUT_MS,
      },
    )
    expect(cli.stdout).toContain('thumbprint')
  }, 300_000)
})
