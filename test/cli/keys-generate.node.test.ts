import { stat } from 'node:fs/promises'
import { calculateJwkThumbprint, type JWK } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CLI_ALGORITHMS } from '../../src/cli/algorithms.js'
import { cli, cliOk, expectOneLineError, tempDir } from './run-cli.js'

type Keys = { keys: Record<string, unknown>[] }

let tmp: Awaited<ReturnType<typeof tempDir>>
beforeAll(async () => {
  tmp = await tempDir()
})
afterAll(() => tmp.remove())

const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k']
const SHAPES: Record<string, { kty: string; crv?: string }> = {
  RS: { kty: 'RSA' },
  PS: { kty: 'RSA' },
  ES256: { kty: 'EC', crv: 'P-256' },
  ES384: { kty: 'EC', crv: 'P-384' },
  ES512: { kty: 'EC', crv: 'P-521' },
  EdDSA: { kty: 'OKP', crv: 'Ed25519' },
  HS: { kty: 'oct' },
}
const shapeOf = (alg: string) => SHAPES[alg] ?? SHAPES[alg.slice(0, 2)]!

describe('keys generate', () => {
  it.each(CLI_ALGORITHMS)('makes a %s key with kid, alg and use, and its public set', async (alg) => {
    const out = tmp.path(`${alg}.private.json`)
    const publicOut = tmp.path(`${alg}.public.json`)
    const { stdout, stderr } = await cliOk([
      'keys',
      'generate',
      '--alg',
      alg,
      '--out',
      out,
      '--public-out',
      publicOut,
    ])
    expect(stdout).toBe('')
    const privateSet = (await import(out, { with: { type: 'json' } })).default as Keys
    const publicSet = (await import(publicOut, { with: { type: 'json' } })).default as Keys
    expect(privateSet.keys).toHaveLength(1)
    const key = privateSet.keys[0]!
    expect(key).toMatchObject({ ...shapeOf(alg), alg, use: 'sig' })
    expect(typeof key.kid).toBe('string')
    expect(((await stat(out)).mode & 0o777).toString(8)).toBe('600')

    if (alg.startsWith('HS')) {
      expect(key.k).toEqual(expect.any(String))
      expect(publicSet).toEqual({ keys: [] })
      expect(stderr).toMatch(/warning: .*shared secret/)
      return
    }
    expect(stderr).toBe('')
    expect(key.d).toEqual(expect.any(String))
    expect(publicSet.keys).toHaveLength(1)
    const published = publicSet.keys[0]!
    for (const member of PRIVATE_MEMBERS) expect(published).not.toHaveProperty(member)
    expect(published).toMatchObject({ kid: key.kid, alg, use: 'sig', kty: key.kty })
    // The default kid is the RFC 7638 thumbprint of the public key.
    expect(key.kid).toBe(await calculateJwkThumbprint(published as JWK))
  })

  it('prints the private set on stdout without --out, and nothing else', async () => {
    const { stdout, stderr } = await cliOk(['keys', 'generate', '--alg', 'ES256'])
    const set = JSON.parse(stdout) as Keys
    expect(set.keys[0]).toHaveProperty('d')
    expect(stderr).toBe('')
  })

  it('prints the public set on stdout when the private set goes to a file', async () => {
    const out = tmp.path('stdout-public.json')
    const { stdout } = await cliOk(['keys', 'generate', '--alg', 'EdDSA', '--out', out])
    const set = JSON.parse(stdout) as Keys
    expect(set.keys[0]).toMatchObject({ kty: 'OKP', crv: 'Ed25519', alg: 'EdDSA' })
    expect(set.keys[0]).not.toHaveProperty('d')
  })

  it('takes a literal kid, Ed25519 as EdDSA, and lower-case algorithm names', async () => {
    const { stdout } = await cliOk(['keys', 'generate', '--alg', 'ed25519', '--kid', '2026-01'])
    expect((JSON.parse(stdout) as Keys).keys[0]).toMatchObject({
      kid: '2026-01',
      alg: 'EdDSA',
      crv: 'Ed25519',
    })
  })

  it('gives HS keys a random kid unless asked for the thumbprint, and sizes them to the hash', async () => {
    const a = (JSON.parse((await cliOk(['keys', 'generate', '--alg', 'HS512'])).stdout) as Keys).keys[0]!
    expect(a.kid).toMatch(/^[0-9a-f-]{36}$/)
    expect(Buffer.from(String(a.k), 'base64url')).toHaveLength(64)
    const b = (
      JSON.parse((await cliOk(['keys', 'generate', '--alg', 'HS256', '--kid', 'thumbprint'])).stdout) as Keys
    ).keys[0]!
    expect(b.kid).toBe(await calculateJwkThumbprint(b as JWK))
  })

  it.each([2048, 3072, 4096])('makes %i-bit RSA keys', async (bits) => {
    const { stdout } = await cliOk(['keys', 'generate', '--alg', 'PS384', '--bits', String(bits)])
    const n = (JSON.parse(stdout) as Keys).keys[0]!.n
    expect(Buffer.from(String(n), 'base64url')).toHaveLength(bits / 8)
  })

  it('makes encryption keys without alg, left out of the public set', async () => {
    const out = tmp.path('enc.json')
    const { stdout, stderr } = await cliOk([
      'keys',
      'generate',
      '--alg',
      'RS256',
      '--use',
      'enc',
      '--out',
      out,
    ])
    const privateSet = (await import(out, { with: { type: 'json' } })).default as Keys
    expect(privateSet.keys[0]).toMatchObject({ kty: 'RSA', use: 'enc' })
    expect(privateSet.keys[0]).not.toHaveProperty('alg')
    expect(JSON.parse(stdout)).toEqual({ keys: [] })
    expect(stderr).toMatch(/not for signing/)
  })

  it.each([
    [['--alg', 'ES999'], /unknown algorithm/],
    [['--alg', 'none'], /"none" is never allowed/],
    [[], /required option '--alg <alg>'/],
    [['--alg', 'ES256', '--bits', '2048'], /--bits applies to RSA/],
    [['--alg', 'RS256', '--bits', '1024'], /expected one of 2048, 3072, 4096/],
    [['--alg', 'HS256', '--use', 'enc'], /--use enc needs an RSA or EC/],
    [['--alg', 'EdDSA', '--use', 'enc'], /--use enc needs an RSA or EC/],
    [['--alg', 'ES256', '--use', 'wrap'], /--use/],
    [['--alg', 'ES256', '--out', '/nonexistent-dir/x.json'], /cannot write \/nonexistent-dir\/x.json/],
  ])('refuses %j with one line and exit 2', async (args, message) => {
    const { code, stdout, stderr } = await cli(['keys', 'generate', ...args])
    expect(code).toBe(2)
    expect(stdout).toBe('')
    expectOneLineError(stderr)
    expect(stderr).toMatch(message)
  })
})
