import { readFile, writeFile } from 'node:fs/promises'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { filterJwks } from '../../src/jwks/index.js'
import { cli, cliOk, expectOneLineError, tempDir } from './run-cli.js'

type Keys = { keys: Record<string, unknown>[] }

let tmp: Awaited<ReturnType<typeof tempDir>>
let mixed: Keys
beforeAll(async () => {
  tmp = await tempDir()
  const make = async (...args: string[]) =>
    (JSON.parse((await cliOk(['keys', 'generate', ...args])).stdout) as Keys).keys[0]!
  mixed = {
    keys: [
      await make('--alg', 'RS256', '--kid', 'rsa'),
      await make('--alg', 'ES256', '--kid', 'ec'),
      await make('--alg', 'HS256', '--kid', 'hmac'),
      await make('--alg', 'RS256', '--use', 'enc', '--kid', 'enc'),
      await make('--alg', 'EdDSA', '--kid', 'ed'),
    ],
  }
})
afterAll(() => tmp.remove())

describe('keys public', () => {
  it('prints exactly what filterJwks keeps, and names each key left out on stderr', async () => {
    const { stdout, stderr } = await cliOk(['keys', 'public', '-'], { stdin: JSON.stringify(mixed) })
    const published = JSON.parse(stdout) as Keys
    expect(published).toEqual(filterJwks(mixed))
    expect(published.keys.map((k) => k.kid)).toEqual(['rsa', 'ec', 'ed'])
    expect(stdout).not.toMatch(/"(d|p|q|dp|dq|qi|k)"/)
    expect(stderr).toContain('kid "hmac" is a shared secret (oct)')
    expect(stderr).toContain('kid "enc" is not for signing')
  })

  it('applies --alg and --deny-kid, and writes --out', async () => {
    const input = tmp.path('mixed.json')
    const out = tmp.path('public.json')
    await writeFile(input, JSON.stringify(mixed))
    await cliOk([
      'keys',
      'public',
      input,
      '--alg',
      'ES256,EdDSA,RS256',
      '--deny-kid',
      'ed',
      '--deny-kid',
      'nothing,rsa',
      '--out',
      out,
    ])
    expect((JSON.parse(await readFile(out, 'utf8')) as Keys).keys.map((k) => k.kid)).toEqual(['ec'])
  })

  it('accepts a single JWK', async () => {
    const { stdout } = await cliOk(['keys', 'public', '-'], { stdin: JSON.stringify(mixed.keys[1]) })
    expect((JSON.parse(stdout) as Keys).keys.map((k) => k.kid)).toEqual(['ec'])
  })

  it('warns when nothing may be published', async () => {
    const { stdout, stderr } = await cliOk(['keys', 'public', '-'], {
      stdin: JSON.stringify({ keys: [mixed.keys[2]] }),
    })
    expect(JSON.parse(stdout)).toEqual({ keys: [] })
    expect(stderr).toContain('the public JWKS is empty')
  })

  it.each([
    [['-', '--alg', 'HS999'], '{}', /unknown algorithm/],
    [['-'], '{"keys":[]}', /no keys/],
    [['-'], '', /not valid JSON/],
    [[], '', /missing required argument 'input'/],
  ])('refuses %j (exit 2)', async (args, stdin, message) => {
    const { code, stderr } = await cli(['keys', 'public', ...args], { stdin })
    expect(code).toBe(2)
    expectOneLineError(stderr)
    expect(stderr).toMatch(message)
  })
})
