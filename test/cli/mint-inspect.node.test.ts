import { createLocalJWKSet, decodeJwt, decodeProtectedHeader, jwtVerify } from 'jose'
import { beforeAll, describe, expect, it } from 'vitest'
import { CLI_ALGORITHMS } from '../../src/cli/algorithms.js'
import { UNVERIFIED_BANNER } from '../../src/cli/commands/inspect.js'
import { cli, cliOk, expectOneLineError } from './run-cli.js'

const NOW_MS = Date.UTC(2026, 0, 1, 12, 0, 0)
const NOW = NOW_MS / 1000
const ISS = 'https://issuer.test'

const sets: Record<string, string> = {}
beforeAll(async () => {
  for (const alg of CLI_ALGORITHMS)
    sets[alg] = (await cliOk(['keys', 'generate', '--alg', alg, '--kid', `k-${alg}`])).stdout
})

async function mint(alg: string, ...args: string[]): Promise<string> {
  const { stdout } = await cliOk(['mint', '--key', '-', '--iss', ISS, '--aud', 'api', ...args], {
    stdin: sets[alg]!,
    now: NOW_MS,
  })
  expect(stdout.endsWith('\n')).toBe(true)
  return stdout.trim()
}

describe('mint', () => {
  it.each(CLI_ALGORITHMS)('signs a %s token that jose verifies with the generated key', async (alg) => {
    const token = await mint(alg, '--sub', 'alice')
    const secretOrPublic = JSON.parse(
      alg.startsWith('HS')
        ? sets[alg]!
        : (await cliOk(['keys', 'public', '-'], { stdin: sets[alg]! })).stdout,
    )
    const key = alg.startsWith('HS')
      ? Buffer.from(secretOrPublic.keys[0].k, 'base64url')
      : createLocalJWKSet(secretOrPublic)
    const { payload, protectedHeader } = await jwtVerify(token, key as Parameters<typeof jwtVerify>[1], {
      currentDate: new Date(NOW_MS),
      algorithms: [alg],
    })
    expect(protectedHeader).toEqual({ alg, kid: `k-${alg}` })
    expect(payload).toMatchObject({ iss: ISS, aud: 'api', sub: 'alice', iat: NOW, exp: NOW + 300 })
    expect(payload.jti).toEqual(expect.any(String))
  })

  it('sets scope, several audiences, typ, --exp and typed --claim values', async () => {
    const token = await mint(
      'ES256',
      '--aud',
      'other',
      '--scope',
      'read write',
      '--typ',
      'at+jwt',
      '--exp',
      '2h',
      '--claim',
      'tenant=acme',
      '--claim',
      'admin=true',
      '--claim',
      'roles=["a","b"]',
      '--claim',
      'n=3',
      '--claim',
      'note=a=b',
    )
    expect(decodeProtectedHeader(token)).toMatchObject({ typ: 'at+jwt' })
    expect(decodeJwt(token)).toMatchObject({
      aud: ['api', 'other'],
      scope: 'read write',
      exp: NOW + 7200,
      tenant: 'acme',
      admin: true,
      roles: ['a', 'b'],
      n: 3,
      note: 'a=b',
    })
  })

  it('makes expired tokens, tokens without exp, and lets --claim override defaults', async () => {
    expect(decodeJwt(await mint('EdDSA', '--exp=-5m')).exp).toBe(NOW - 300)
    expect(decodeJwt(await mint('EdDSA', '--no-exp'))).not.toHaveProperty('exp')
    expect(decodeJwt(await mint('EdDSA', '--claim', 'iss=https://evil.test')).iss).toBe('https://evil.test')
  })

  it('signs with the first private key, or the one --kid names', async () => {
    const rotated = (
      await cliOk(['keys', 'rotate', '--in', '-', '--alg', 'RS256', '--kid', 'new'], { stdin: sets.ES256! })
    ).stdout
    const mintWith = async (...args: string[]) =>
      decodeProtectedHeader(
        (
          await cliOk(['mint', '--key', '-', '--iss', ISS, '--aud', 'api', ...args], { stdin: rotated })
        ).stdout.trim(),
      )
    expect(await mintWith()).toMatchObject({ alg: 'RS256', kid: 'new' })
    expect(await mintWith('--kid', 'k-ES256')).toMatchObject({ alg: 'ES256', kid: 'k-ES256' })
  })

  it('needs --alg for an RSA key without alg, and takes it', async () => {
    const jwk = JSON.parse(sets.RS256!).keys[0]
    delete jwk.alg
    const set = JSON.stringify({ keys: [jwk] })
    const refused = await cli(['mint', '--key', '-', '--iss', ISS, '--aud', 'api'], { stdin: set })
    expect(refused.code).toBe(2)
    expect(refused.stderr).toContain('names no usable alg; pass --alg')
    const token = (
      await cliOk(['mint', '--key', '-', '--iss', ISS, '--aud', 'api', '--alg', 'PS512'], { stdin: set })
    ).stdout
    expect(decodeProtectedHeader(token.trim()).alg).toBe('PS512')
  })

  it.each([
    ['a public set', 'public', [], /holds no private key/],
    ['an alg the key is not for', 'ES256', ['--alg', 'ES384'], /is for ES256, not ES384/],
    ['an unknown kid', 'ES256', ['--kid', 'nope'], /no key with kid "nope"/],
    ['a bad duration', 'ES256', ['--exp', 'soon'], /expected a duration/],
    ['a bad claim', 'ES256', ['--claim', 'novalue'], /expected key=value/],
    ['no audience', 'ES256', ['--no-aud'], /unknown option|required option/],
  ])('refuses %s (exit 2)', async (_what, set, args, message) => {
    const stdin =
      set === 'public' ? (await cliOk(['keys', 'public', '-'], { stdin: sets.ES256! })).stdout : sets[set]!
    const base = args.includes('--no-aud') ? ['--iss', ISS] : ['--iss', ISS, '--aud', 'api']
    const { code, stdout, stderr } = await cli(
      ['mint', '--key', '-', ...base, ...args.filter((a) => a !== '--no-aud')],
      {
        stdin,
      },
    )
    expect(code).toBe(2)
    expect(stdout).toBe('')
    expectOneLineError(stderr)
    expect(stderr).toMatch(message)
  })

  it('refuses an encryption key', async () => {
    const enc = (await cliOk(['keys', 'generate', '--alg', 'ES256', '--use', 'enc', '--kid', 'e'])).stdout
    const { code, stderr } = await cli(['mint', '--key', '-', '--iss', ISS, '--aud', 'a', '--alg', 'ES256'], {
      stdin: enc,
    })
    expect(code).toBe(2)
    expect(stderr).toContain('is not for signing')
  })
})

describe('inspect', () => {
  it('prints header, payload and dates under an UNVERIFIED banner', async () => {
    const token = await mint('ES256', '--sub', 'bob')
    const { stdout } = await cliOk(['inspect', token], { now: NOW_MS + 60_000 })
    expect(stdout.split('\n')[0]).toBe(UNVERIFIED_BANNER)
    expect(stdout).toContain('"alg": "ES256"')
    expect(stdout).toContain('"sub": "bob"')
    expect(stdout).toContain('iat: 2026-01-01T12:00:00.000Z (1m ago)')
    expect(stdout).toContain('exp: 2026-01-01T12:05:00.000Z (in 4m)')
  })

  it('prints JSON with verified: false, and reads stdin with a Bearer prefix', async () => {
    const token = await mint('EdDSA')
    const { stdout } = await cliOk(['inspect', '-', '--json'], { stdin: `Bearer ${token}\n` })
    const parsed = JSON.parse(stdout)
    expect(parsed.verified).toBe(false)
    expect(parsed.header).toEqual({ alg: 'EdDSA', kid: 'k-EdDSA' })
    expect(parsed.payload).toMatchObject({ iss: ISS, aud: 'api' })
  })

  it.each([
    ['garbage', 'not-a-token', /not a JWT/],
    ['a JWE', 'a.b.c.d.e', /encrypted token \(JWE\)/],
    ['an empty stdin', '-', /stdin holds no token/],
    ['a payload that is not JSON', 'eyJhbGciOiJFUzI1NiJ9.bm90LWpzb24.c2ln', /not a JWT/],
  ])('refuses %s (exit 2) without echoing it', async (_what, token, message) => {
    const { code, stdout, stderr } = await cli(['inspect', token], { stdin: '' })
    expect(code).toBe(2)
    expect(stdout).toBe('')
    expectOneLineError(stderr)
    expect(stderr).toMatch(message)
    if (token.length > 5) expect(stderr).not.toContain(token)
  })
})
