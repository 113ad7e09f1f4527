import { readFile, stat, writeFile } from 'node:fs/promises'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { cli, cliOk, expectOneLineError, tempDir } from './run-cli.js'

type Keys = { keys: Record<string, unknown>[] }

let tmp: Awaited<ReturnType<typeof tempDir>>
beforeAll(async () => {
  tmp = await tempDir()
})
afterAll(() => tmp.remove())

const readSet = async (path: string): Promise<Keys> => JSON.parse(await readFile(path, 'utf8')) as Keys
const kids = (set: Keys) => set.keys.map((k) => k.kid)

describe('keys rotate', () => {
  it('puts the new key first, keeps the previous ones, drops the oldest beyond the default of 3', async () => {
    const file = tmp.path('rotating.json')
    const publicFile = tmp.path('rotating.public.json')
    await cliOk([
      'keys',
      'generate',
      '--alg',
      'ES256',
      '--kid',
      'k1',
      '--out',
      file,
      '--public-out',
      publicFile,
    ])
    await writeFile(file, await readFile(file), { mode: 0o644 }) // a wider mode must not survive the rewrite
    for (const kid of ['k2', 'k3']) {
      await cliOk([
        'keys',
        'rotate',
        '--in',
        file,
        '--alg',
        'ES256',
        '--kid',
        kid,
        '--out',
        file,
        '--public-out',
        publicFile,
      ])
    }
    expect(kids(await readSet(file))).toEqual(['k3', 'k2', 'k1'])
    const { stderr } = await cliOk([
      'keys',
      'rotate',
      '--in',
      file,
      '--alg',
      'RS256',
      '--kid',
      'k4',
      '--out',
      file,
      '--public-out',
      publicFile,
    ])
    expect(kids(await readSet(file))).toEqual(['k4', 'k3', 'k2'])
    expect(stderr).toContain('new key kid "k4" is first')
    expect(stderr).toContain('dropped kid "k1" (beyond --keep 3)')
    const published = await readSet(publicFile)
    expect(kids(published)).toEqual(['k4', 'k3', 'k2'])
    expect(published.keys[0]).toMatchObject({ kty: 'RSA', alg: 'RS256' })
    expect(published.keys.some((k) => 'd' in k)).toBe(false)
    expect(((await stat(file)).mode & 0o777).toString(8)).toBe('600')
  })

  it('honours --keep, reads stdin, and prints the rotated private set on stdout', async () => {
    const set = (await cliOk(['keys', 'generate', '--alg', 'EdDSA', '--kid', 'old'])).stdout
    const { stdout, stderr } = await cliOk(['keys', 'rotate', '--in', '-', '--alg', 'EdDSA', '--keep', '1'], {
      stdin: set,
    })
    const rotated = JSON.parse(stdout) as Keys
    expect(rotated.keys).toHaveLength(1)
    expect(rotated.keys[0]!.kid).not.toBe('old')
    expect(rotated.keys[0]).toHaveProperty('d')
    expect(stderr).toContain('dropped kid "old"')
  })

  it('keeps the previous keys whatever their algorithm', async () => {
    const set = (await cliOk(['keys', 'generate', '--alg', 'HS256', '--kid', 'secret'])).stdout
    const { stdout } = await cliOk(['keys', 'rotate', '--in', '-', '--alg', 'ES384', '--kid', 'ec'], {
      stdin: set,
    })
    expect((JSON.parse(stdout) as Keys).keys.map((k) => [k.kid, k.alg])).toEqual([
      ['ec', 'ES384'],
      ['secret', 'HS256'],
    ])
  })

  it.each([
    [
      'a kid that is already in the set',
      ['--alg', 'ES256', '--kid', 'taken'],
      /already has a key with kid "taken"/,
    ],
    ['--keep 0', ['--alg', 'ES256', '--keep', '0'], /--keep/],
    ['--keep 101', ['--alg', 'ES256', '--keep', '101'], /from 1 to 100/],
    ['an unknown algorithm', ['--alg', 'RS1'], /unknown algorithm/],
  ])('refuses %s (exit 2)', async (_what, args, message) => {
    const set = (await cliOk(['keys', 'generate', '--alg', 'ES256', '--kid', 'taken'])).stdout
    const { code, stdout, stderr } = await cli(['keys', 'rotate', '--in', '-', ...args], { stdin: set })
    expect(code).toBe(2)
    expect(stdout).toBe('')
    expectOneLineError(stderr)
    expect(stderr).toMatch(message)
  })

  it.each([
    [
      'a missing file',
      '',
      '/nonexistent/private.json',
      /cannot read \/nonexistent\/private.json: no such file/,
    ],
    ['an empty set', '{"keys":[]}', '-', /the JWKS has no keys/],
    ['not JSON', '-----BEGIN PRIVATE KEY-----', '-', /stdin is not valid JSON/],
    ['not a JWKS', '{"kty":1}', '-', /neither a JWKS/],
    ['a set with a non-JWK', '{"keys":[{"kid":"x"}]}', '-', /keys\[0\] is not a JWK/],
  ])('refuses %s as input (exit 2)', async (_what, stdin, input, message) => {
    const { code, stderr } = await cli(['keys', 'rotate', '--in', input, '--alg', 'ES256'], { stdin })
    expect(code).toBe(2)
    expectOneLineError(stderr)
    expect(stderr).toMatch(message)
  })
})
