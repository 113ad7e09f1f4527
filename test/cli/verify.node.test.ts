import { writeFile } from 'node:fs/promises'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CLI_ALGORITHMS } from '../../src/cli/algorithms.js'
import { cli, cliOk, expectOneLineError, tempDir } from './run-cli.js'

const ISS = 'https://issuer.test'
const AUD = 'https://api.test'

let tmp: Awaited<ReturnType<typeof tempDir>>
/** Per algorithm: the private JWKS file and the public one that `keys generate` wrote. */
const files: Record<string, { private: string; public: string }> = {}

beforeAll(async () => {
  tmp = await tempDir()
  for (const alg of CLI_ALGORITHMS) {
    const paths = { private: tmp.path(`${alg}.private.json`), public: tmp.path(`${alg}.public.json`) }
    await cliOk(['keys', 'generate', '--alg', alg, '--out', paths.private, '--public-out', paths.public])
    files[alg] = paths
  }
})
afterAll(() => tmp.remove())

async function mint(alg: string, ...args: string[]): Promise<string> {
  return (
    await cliOk(['mint', '--key', files[alg]!.private, '--iss', ISS, '--aud', AUD, ...args])
  ).stdout.trim()
}

const verifyArgs = (token: string, jwks: string, ...args: string[]) => [
  'verify',
  token,
  '--issuer',
  ISS,
  '--audience',
  AUD,
  '--jwks',
  jwks,
  ...args,
]

describe('verify: generate → mint → verify', () => {
  it.each(CLI_ALGORITHMS.filter((alg) => !alg.startsWith('HS')))(
    '%s: a minted token verifies against the public set, and against the private set',
    async (alg) => {
      const token = await mint(alg, '--sub', 'alice', '--scope', 'read write')
      const { stdout, stderr } = await cliOk(verifyArgs(token, files[alg]!.public))
      expect(JSON.parse(stdout)).toMatchObject({ iss: ISS, aud: AUD, sub: 'alice', scope: 'read write' })
      expect(stderr).toMatch(new RegExp(`valid token: alg ${alg}, kid "`))
      await cliOk(verifyArgs(token, files[alg]!.private, '--scope', 'read'))
    },
  )

  it.each(['HS256', 'HS384', 'HS512'])(
    '%s: verifies with the local secret only when --alg allows it',
    async (alg) => {
      const token = await mint(alg)
      await cliOk(verifyArgs(token, files[alg]!.private, '--alg', alg))
      const refused = await cli(verifyArgs(token, files[alg]!.private))
      expect(refused.code).toBe(2)
      expectOneLineError(refused.stderr)
      expect(refused.stderr).toContain('holds no key usable for RS256')
    },
  )

  it('prints JSON with --json', async () => {
    const token = await mint('ES256', '--typ', 'at+jwt')
    const { stdout } = await cliOk([...verifyArgs(token, files.ES256!.public, '--typ', 'at+jwt'), '--json'])
    const result = JSON.parse(stdout)
    expect(result).toMatchObject({
      valid: true,
      issuer: ISS,
      header: { alg: 'ES256', typ: 'at+jwt' },
      payload: { aud: AUD },
    })
    expect(result.kid).toBe(result.header.kid)
  })

  it('reads the token from stdin', async () => {
    const token = await mint('EdDSA')
    await cliOk(verifyArgs('-', files.EdDSA!.public), { stdin: `${token}\n` })
  })
})

describe('verify: negative answers exit 1 with the error code on stderr', () => {
  const tamper = (token: string) => {
    const [h, p, s] = token.split('.') as [string, string, string]
    return `${h}.${p}.${s.startsWith('A') ? `B${s.slice(1)}` : `A${s.slice(1)}`}`
  }
  const cases: [string, () => Promise<string>, string, string[], string][] = [
    ['an expired token', () => mint('ES256', '--exp=-10m'), 'ES256', [], 'ERR_TOKEN_EXPIRED'],
    [
      'another audience',
      () => mint('ES256', '--claim', 'aud=https://other.test'),
      'ES256',
      [],
      'ERR_AUDIENCE_MISMATCH',
    ],
    [
      'another issuer',
      () => mint('ES256', '--claim', 'iss=https://evil.test'),
      'ES256',
      [],
      'ERR_ISSUER_UNKNOWN',
    ],
    ['a key not in the set', () => mint('ES384'), 'ES256', [], 'ERR_KEY_NOT_FOUND'],
    ['a tampered signature', async () => tamper(await mint('RS256')), 'RS256', [], 'ERR_SIGNATURE_INVALID'],
    ['a disallowed alg', () => mint('PS256'), 'PS256', ['--alg', 'RS256'], 'ERR_ALG_NOT_ALLOWED'],
    ['a wrong typ', () => mint('ES256'), 'ES256', ['--typ', 'at+jwt'], 'ERR_TYPE_MISMATCH'],
    [
      'a missing scope',
      () => mint('ES256', '--scope', 'read'),
      'ES256',
      ['--scope', 'admin'],
      'ERR_INSUFFICIENT_SCOPE',
    ],
    ['garbage', async () => 'not.a.token!', 'ES256', [], 'ERR_TOKEN_MALFORMED'],
  ]
  it.each(cases)('%s', async (_what, token, alg, args, code) => {
    const value = await token()
    const result = await cli(verifyArgs(value, files[alg]!.public, ...args))
    expect(result.code).toBe(1)
    expect(result.stdout).toBe('')
    expectOneLineError(result.stderr)
    expect(result.stderr).toContain(`invalid token: ${code}`)
    expect(result.stderr).not.toContain(value)
    const json = await cli([...verifyArgs(value, files[alg]!.public, ...args), '--json'])
    expect(json.code).toBe(1)
    expect(JSON.parse(json.stdout)).toEqual({ valid: false, code })
  })

  it('accepts a token within --clock-tolerance', async () => {
    const token = await mint('ES256', '--exp=-20s')
    expect((await cli(verifyArgs(token, files.ES256!.public, '--clock-tolerance', '0'))).code).toBe(1)
    expect((await cli(verifyArgs(token, files.ES256!.public))).code).toBe(0)
  })
})

describe('verify: bad usage exits 2', () => {
  it.each([
    ['a missing --jwks file', ['--jwks', '/nonexistent/jwks.json'], /cannot read \/nonexistent\/jwks.json/],
    ['an empty JWKS', ['--jwks', 'EMPTY'], /the JWKS has no keys/],
    ['a plain-http remote JWKS', ['--jwks', 'http://example.com/jwks.json'], /http only on loopback/],
    ['no --audience', ['--no-audience'], /required option '--audience <aud>'/],
    ['an unknown algorithm', ['--alg', 'RS257'], /unknown algorithm/],
  ])('%s', async (_what, args, message) => {
    const empty = tmp.path('empty.json')
    await writeFile(empty, '{"keys":[]}')
    const token = await mint('ES256')
    const base = [
      'verify',
      token,
      '--issuer',
      ISS,
      ...(args.includes('--no-audience') ? [] : ['--audience', AUD]),
    ]
    const rest = args.filter((a) => a !== '--no-audience').map((a) => (a === 'EMPTY' ? empty : a))
    const result = await cli([
      ...base,
      ...(rest.includes('--jwks') ? [] : ['--jwks', files.ES256!.public]),
      ...rest,
    ])
    expect(result.code).toBe(2)
    expectOneLineError(result.stderr)
    expect(result.stderr).toMatch(message)
  })
})
