import { type ChildProcess, execFile, spawn } from 'node:child_process'
import { access, chmod, copyFile, readFile, stat, symlink } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { dirname, join, resolve } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ServeAnnouncement } from '../../src/cli/commands/serve.js'
import { type CliResult, expectOneLineError, tempDir } from './run-cli.js'

// The CLI as users get it: compiled by the build config, run by node as a separate process.
// It is built into a temporary directory, so it never races the team's `npm run build` on dist/.

const ROOT = resolve(import.meta.dirname, '../..')
const BUILD_TIMEOUT_MS = 120_000
const PROCESS_TIMEOUT_MS = 20_000

let tmp: Awaited<ReturnType<typeof tempDir>>
let cliPath: string

beforeAll(async () => {
  tmp = await tempDir()
  // Beside dist/, as in the package: node_modules for imports, package.json for "type" and --version.
  await symlink(join(ROOT, 'node_modules'), tmp.path('node_modules'), 'dir')
  await copyFile(join(ROOT, 'package.json'), tmp.path('package.json'))
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc')
  const args = [tsc, '-p', 'tsconfig.build.json', '--outDir', tmp.path('dist')]
  args.push('--declaration', 'false', '--declarationMap', 'false', '--sourceMap', 'false')
  // Type errors are the typecheck's business (and may be a teammate's work in progress); tsc still
  // emits, and all this needs is the JavaScript.
  await promisify(execFile)(process.execPath, args, { cwd: ROOT }).catch(() => undefined)
  cliPath = tmp.path('dist/cli.js')
  await access(cliPath)
}, BUILD_TIMEOUT_MS)
afterAll(() => tmp.remove())

/** Runs `node dist/cli.js ...args` with `stdin` as its standard input. */
function run(args: readonly string[], stdin = ''): Promise<CliResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [cliPath, ...args], { cwd: tmp.dir, timeout: PROCESS_TIMEOUT_MS })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString('utf8')
    })
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8')
    })
    child.on('error', reject)
    child.on('close', (code) => resolvePromise({ code: code ?? -1, stdout, stderr }))
    child.stdin.end(stdin)
  })
}

describe('the built CLI', () => {
  it('starts with a shebang and runs as an executable', async () => {
    const text = await readFile(cliPath, 'utf8')
    expect(text.startsWith('#!/usr/bin/env node\n')).toBe(true)
    await chmod(cliPath, 0o755)
    const { stdout } = await promisify(execFile)(cliPath, ['--help'], {
      env: { ...process.env, PATH: `${dirname(process.execPath)}:${process.env.PATH ?? ''}` },
    })
    expect(stdout).toContain('Usage: jwks-gateway')
  })

  it('prints help and its version with exit 0', async () => {
    const help = await run(['keys', 'generate', '--help'])
    expect(help.code).toBe(0)
    expect(help.stdout).toContain('--public-out <file>')
    const version = await run(['--version'])
    expect(version).toMatchObject({
      code: 0,
      stdout: `${JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')).version}\n`,
    })
  })

  it('generate → mint → verify across processes, with a 0600 private file', async () => {
    const privateFile = tmp.path('private.jwks.json')
    const publicFile = tmp.path('public.jwks.json')
    expect(
      (await run(['keys', 'generate', '--alg', 'ES256', '--out', privateFile, '--public-out', publicFile]))
        .code,
    ).toBe(0)
    expect((await stat(privateFile)).mode & 0o777).toBe(0o600)

    const mint = await run([
      'mint',
      '--key',
      privateFile,
      '--iss',
      'https://idp.test',
      '--aud',
      'api',
      '--sub',
      'alice',
    ])
    expect(mint.code).toBe(0)
    const token = mint.stdout.trim()
    const inspect = await run(['inspect', '-'], token)
    expect(inspect.stdout).toMatch(/^UNVERIFIED/)

    const verify = await run(
      ['verify', '-', '--issuer', 'https://idp.test', '--audience', 'api', '--jwks', publicFile],
      token,
    )
    expect(verify.code).toBe(0)
    expect(JSON.parse(verify.stdout)).toMatchObject({ sub: 'alice' })

    const expired = (
      await run(['mint', '--key', privateFile, '--iss', 'https://idp.test', '--aud', 'api', '--exp=-1h'])
    ).stdout.trim()
    const rejected = await run([
      'verify',
      expired,
      '--issuer',
      'https://idp.test',
      '--audience',
      'api',
      '--jwks',
      publicFile,
    ])
    expect(rejected.code).toBe(1)
    expectOneLineError(rejected.stderr)
    expect(rejected.stderr).toContain('ERR_TOKEN_EXPIRED')
  })

  it.each([
    ['a missing file', ['keys', 'public', '/nonexistent/keys.json'], '', /cannot read/],
    [
      'a corrupt PEM',
      ['pem2jwk', '-'],
      '-----BEGIN PRIVATE KEY-----\nMIIB!!!!\n-----END PRIVATE KEY-----\n',
      /corrupt/,
    ],
    ['an unknown algorithm', ['keys', 'generate', '--alg', 'XS256'], '', /unknown algorithm/],
    ['a JWKS with no keys', ['keys', 'public', '-'], '{"keys":[]}', /no keys/],
    ['input that is not JSON', ['thumbprint', '-'], '{', /not valid JSON/],
    ['an unknown command', ['frobnicate'], '', /unknown command/],
    [
      'an unknown option',
      ['thumbprint', '-', '--digset', 'sha256'],
      '{}',
      /unknown option '--digset'.*Did you mean --digest/,
    ],
    ['a missing required option', ['keys', 'rotate', '--alg', 'ES256'], '', /required option '--in <file>'/],
  ])('bad input: %s → one line on stderr, exit 2, no stack trace', async (_what, args, stdin, message) => {
    const result = await run(args, stdin)
    expect(result.code).toBe(2)
    expect(result.stdout).toBe('')
    expectOneLineError(result.stderr)
    expect(result.stderr).toMatch(message)
    expect(result.stderr).not.toMatch(/\bat .*\.js:\d+/)
  })

  it('serve runs until SIGTERM, and its tokens verify from another process', async () => {
    const child = spawn(process.execPath, [cliPath, 'serve', '--json', '--alg', 'EdDSA'], { cwd: tmp.dir })
    try {
      const line = await firstLine(child)
      const a = JSON.parse(line) as ServeAnnouncement
      const response = await fetch(a.token_endpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"claims":{"sub":"bob"}}',
      })
      const { access_token: token } = (await response.json()) as { access_token: string }
      const verify = await run(['verify', token, '--issuer', a.issuer, '--audience', a.audience, '--json'])
      expect(verify.code).toBe(0)
      expect(JSON.parse(verify.stdout)).toMatchObject({
        valid: true,
        header: { alg: 'EdDSA' },
        payload: { sub: 'bob' },
      })
    } finally {
      const exited = new Promise<number | null>((resolveExit) =>
        child.once('exit', (code) => resolveExit(code)),
      )
      child.kill('SIGTERM')
      expect(await exited).toBe(0)
    }
  })
})

function firstLine(child: ChildProcess): Promise<string> {
  return new Promise((resolveLine, reject) => {
    let buffered = ''
    child.stdout?.on('data', (chunk: Buffer) => {
      buffered += chunk.toString('utf8')
      const end = buffered.indexOf('\n')
      if (end >= 0) resolveLine(buffered.slice(0, end))
    })
    child.once('exit', (code) => reject(new Error(`serve exited with ${code}`)))
  })
}
