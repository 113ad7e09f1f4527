import { describe, expect, it } from 'vitest'
import { cli, cliOk, expectOneLineError } from './run-cli.js'

/** RFC 7638 §3.1: the example RSA key and its SHA-256 thumbprint. */
const RFC7638_KEY = {
  kty: 'RSA',
  n:
    '0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMs' +
    'tn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajr' +
    'n1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw',
  e: 'AQAB',
  alg: 'RS256',
  kid: '2011-04-29',
}
const RFC7638_THUMBPRINT = 'NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs'

describe('thumbprint', () => {
  it('reproduces the RFC 7638 §3.1 example', async () => {
    const { stdout } = await cliOk(['thumbprint', '-'], { stdin: JSON.stringify(RFC7638_KEY) })
    expect(stdout).toBe(`${RFC7638_THUMBPRINT}\n`)
  })

  it('prints thumbprint and kid per key of a set, or JSON', async () => {
    const set = JSON.stringify({ keys: [RFC7638_KEY, { ...RFC7638_KEY, kid: undefined }] })
    expect((await cliOk(['thumbprint', '-'], { stdin: set })).stdout).toBe(
      `${RFC7638_THUMBPRINT}\t2011-04-29\n${RFC7638_THUMBPRINT}\t\n`,
    )
    expect(JSON.parse((await cliOk(['thumbprint', '-', '--json'], { stdin: set })).stdout)).toEqual([
      { kid: '2011-04-29', thumbprint: RFC7638_THUMBPRINT },
      { thumbprint: RFC7638_THUMBPRINT },
    ])
  })

  it('agrees for a private key and its public half, and matches the kid keys generate chose', async () => {
    const privateSet = (await cliOk(['keys', 'generate', '--alg', 'ES384'])).stdout
    const publicSet = (await cliOk(['keys', 'public', '-'], { stdin: privateSet })).stdout
    const fromPrivate = (await cliOk(['thumbprint', '-'], { stdin: privateSet })).stdout
    const kid = (JSON.parse(privateSet) as { keys: { kid: string }[] }).keys[0]!.kid
    expect(fromPrivate).toBe(`${kid}\t${kid}\n`)
    expect((await cliOk(['thumbprint', '-'], { stdin: publicSet })).stdout).toBe(fromPrivate)
  })

  it('supports other digests', async () => {
    const { stdout } = await cliOk(['thumbprint', '-', '--digest', 'sha512'], {
      stdin: JSON.stringify(RFC7638_KEY),
    })
    expect(Buffer.from(stdout.trim(), 'base64url')).toHaveLength(64)
  })

  it('refuses a key without its required members (exit 2)', async () => {
    const { code, stderr } = await cli(['thumbprint', '-'], {
      stdin: '{"kty":"RSA","kid":"half","e":"AQAB"}',
    })
    expect(code).toBe(2)
    expectOneLineError(stderr)
    expect(stderr).toContain('kid "half" lacks the members')
  })
})
