import { execFileSync } from 'node:child_process'
import { createHash, generateKeyPairSync, type KeyObject, X509Certificate } from 'node:crypto'
import { readFile, stat, writeFile } from 'node:fs/promises'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { cli, cliOk, expectOneLineError, tempDir } from './run-cli.js'

type Jwk = Record<string, unknown>

let tmp: Awaited<ReturnType<typeof tempDir>>
beforeAll(async () => {
  tmp = await tempDir()
})
afterAll(() => tmp.remove())

function pem(key: KeyObject, type: 'pkcs8' | 'spki' | 'pkcs1' | 'sec1'): string {
  return key.export({ type, format: 'pem' }) as string
}

/** Key pairs made with node:crypto for each key type the CLI converts. */
const PAIRS = {
  rsa: () => generateKeyPairSync('rsa', { modulusLength: 2048 }),
  'ec P-256': () => generateKeyPairSync('ec', { namedCurve: 'P-256' }),
  'ec P-384': () => generateKeyPairSync('ec', { namedCurve: 'P-384' }),
  'ec P-521': () => generateKeyPairSync('ec', { namedCurve: 'P-521' }),
  ed25519: () => generateKeyPairSync('ed25519'),
}

/** [key type, PEM format, private?]: every format each key type has. */
const ROUND_TRIPS: [keyof typeof PAIRS, 'pkcs8' | 'spki' | 'pkcs1' | 'sec1', boolean][] = [
  ['rsa', 'pkcs8', true],
  ['rsa', 'spki', false],
  ['rsa', 'pkcs1', true],
  ['rsa', 'pkcs1', false],
  ['ec P-256', 'pkcs8', true],
  ['ec P-256', 'sec1', true],
  ['ec P-256', 'spki', false],
  ['ec P-384', 'sec1', true],
  ['ec P-384', 'spki', false],
  ['ec P-521', 'pkcs8', true],
  ['ec P-521', 'sec1', true],
  ['ec P-521', 'spki', false],
  ['ed25519', 'pkcs8', true],
  ['ed25519', 'spki', false],
]

async function toJwk(pemText: string, ...args: string[]): Promise<Jwk> {
  return JSON.parse((await cliOk(['pem2jwk', '-', ...args], { stdin: pemText })).stdout) as Jwk
}

async function toPem(jwk: unknown, ...args: string[]): Promise<string> {
  return (await cliOk(['jwk2pem', '-', ...args], { stdin: JSON.stringify(jwk) })).stdout
}

describe('PEM → JWK → PEM', () => {
  it.each(ROUND_TRIPS)('%s %s (private: %s) comes back byte for byte', async (type, format, isPrivate) => {
    const pair = PAIRS[type]()
    const original = pem(isPrivate ? pair.privateKey : pair.publicKey, format)
    const jwk = await toJwk(original)
    expect('d' in jwk).toBe(isPrivate)
    expect(await toPem(jwk, '--format', format)).toBe(original)
  })

  it('defaults to PKCS#8 for private JWKs and SPKI for public ones, and --public derives the public half', async () => {
    const { privateKey, publicKey } = PAIRS['ec P-256']()
    const jwk = await toJwk(pem(privateKey, 'sec1'))
    expect(await toPem(jwk)).toBe(pem(privateKey, 'pkcs8'))
    expect(await toPem(jwk, '--public')).toBe(pem(publicKey, 'spki'))
    expect(await toPem(jwk, '--format', 'spki')).toBe(pem(publicKey, 'spki'))
    expect(await toPem(await toJwk(pem(publicKey, 'spki')))).toBe(pem(publicKey, 'spki'))
    const rsa = PAIRS.rsa()
    expect(await toPem(await toJwk(pem(rsa.privateKey, 'pkcs1')), '--format', 'pkcs1', '--public')).toBe(
      pem(rsa.publicKey, 'pkcs1'),
    )
  })
})

describe('pem2jwk', () => {
  it('labels keys with a thumbprint kid, use sig, and the alg a curve implies', async () => {
    const ec = await toJwk(pem(PAIRS['ec P-384']().privateKey, 'pkcs8'))
    expect(ec).toMatchObject({ kty: 'EC', crv: 'P-384', alg: 'ES384', use: 'sig' })
    const thumbprint = (await cliOk(['thumbprint', '-'], { stdin: JSON.stringify(ec) })).stdout.trim()
    expect(ec.kid).toBe(thumbprint)
    expect(await toJwk(pem(PAIRS.ed25519().publicKey, 'spki'))).toMatchObject({ kty: 'OKP', alg: 'EdDSA' })
    // RSA fits six algorithms: no guess unless --alg says which.
    const rsaPem = pem(PAIRS.rsa().privateKey, 'pkcs1')
    expect(await toJwk(rsaPem)).not.toHaveProperty('alg')
    expect(await toJwk(rsaPem, '--alg', 'PS256', '--kid', 'mine', '--use', 'none')).toMatchObject({
      alg: 'PS256',
      kid: 'mine',
    })
    expect(await toJwk(rsaPem, '--use', 'none')).not.toHaveProperty('use')
  })

  it('--public gives the public half, --jwks a set, --out a 0600 file for private keys', async () => {
    const pair = PAIRS['ec P-256']()
    const publicJwk = await toJwk(pem(pair.privateKey, 'pkcs8'), '--public')
    expect(publicJwk).not.toHaveProperty('d')
    expect(publicJwk).toEqual(await toJwk(pem(pair.publicKey, 'spki')))
    const set = JSON.parse(
      (await cliOk(['pem2jwk', '-', '--jwks'], { stdin: pem(pair.publicKey, 'spki') })).stdout,
    )
    expect(set).toEqual({ keys: [publicJwk] })

    const out = tmp.path('private.jwk.json')
    const publicOut = tmp.path('public.jwk.json')
    await cliOk(['pem2jwk', '-', '--out', out], { stdin: pem(pair.privateKey, 'pkcs8') })
    await cliOk(['pem2jwk', '-', '--out', publicOut, '--public'], { stdin: pem(pair.privateKey, 'pkcs8') })
    expect(((await stat(out)).mode & 0o777).toString(8)).toBe('600')
    expect(JSON.parse(await readFile(out, 'utf8'))).toHaveProperty('d')
    expect(JSON.parse(await readFile(publicOut, 'utf8'))).not.toHaveProperty('d')
  })

  it('warns about RSA keys under 2048 bits', async () => {
    const weak = generateKeyPairSync('rsa', { modulusLength: 1024 })
    const { stderr } = await cliOk(['pem2jwk', '-'], { stdin: pem(weak.publicKey, 'spki') })
    expect(stderr).toMatch(/warning: .*1024-bit RSA key/)
  })

  const corrupt = (text: string) => text.replace(/\n[A-Za-z0-9+/]{10}/, '\n!!!!!!!!!!')
  it.each([
    ['no PEM at all', () => 'hello', /holds no PEM block/],
    [
      'a corrupt private key',
      () => corrupt(pem(PAIRS.rsa().privateKey, 'pkcs8')),
      /"PRIVATE KEY" block is corrupt/,
    ],
    [
      'a truncated SEC1 key',
      () => pem(PAIRS['ec P-384']().privateKey, 'sec1').replace(/\n[^\n]+\n/, '\n'),
      /corrupt/,
    ],
    [
      'an unknown block',
      () => '-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n',
      /unsupported PEM block "CERTIFICATE REQUEST"/,
    ],
    [
      'an encrypted key',
      () =>
        PAIRS.rsa().privateKey.export({
          type: 'pkcs8',
          format: 'pem',
          cipher: 'aes-256-cbc',
          passphrase: 'x',
        }) as string,
      /encrypted private key/,
    ],
    [
      'a legacy encrypted RSA key (Proc-Type: 4,ENCRYPTED)',
      () =>
        PAIRS.rsa().privateKey.export({
          type: 'pkcs1',
          format: 'pem',
          cipher: 'aes-256-cbc',
          passphrase: 'x',
        }) as string,
      /encrypted private key/,
    ],
    [
      'two keys',
      () => pem(PAIRS.ed25519().publicKey, 'spki') + pem(PAIRS.ed25519().publicKey, 'spki'),
      /holds 2 keys/,
    ],
    [
      'a secp256k1 key',
      () => pem(generateKeyPairSync('ec', { namedCurve: 'secp256k1' }).privateKey, 'pkcs8'),
      /curve secp256k1/,
    ],
    ['an X25519 key', () => pem(generateKeyPairSync('x25519').publicKey, 'spki'), /curve X25519/],
    [
      'a DSA key',
      () => pem(generateKeyPairSync('dsa', { modulusLength: 2048, divisorLength: 256 }).publicKey, 'spki'),
      /dsa key has no JWK form/,
    ],
  ])('refuses %s with one line and exit 2', async (_what, input, message) => {
    const { code, stdout, stderr } = await cli(['pem2jwk', '-'], { stdin: input() })
    expect(code).toBe(2)
    expect(stdout).toBe('')
    expectOneLineError(stderr)
    expect(stderr).toMatch(message)
    expect(stderr).not.toMatch(/routines|DECODER|MII/)
  })

  it('refuses an --alg that does not fit the key', async () => {
    const { code, stderr } = await cli(['pem2jwk', '-', '--alg', 'ES256'], {
      stdin: pem(PAIRS['ec P-384']().publicKey, 'spki'),
    })
    expect(code).toBe(2)
    expect(stderr).toContain('--alg ES256 does not fit this EC P-384 key')
  })

  it('refuses a missing file', async () => {
    const { code, stderr } = await cli(['pem2jwk', tmp.path('missing.pem')])
    expect(code).toBe(2)
    expectOneLineError(stderr)
    expect(stderr).toContain('no such file or directory')
  })
})

describe('jwk2pem', () => {
  it('picks a key of a set by --kid, and needs --kid when there are several', async () => {
    const set = {
      keys: [
        await toJwk(pem(PAIRS.ed25519().publicKey, 'spki'), '--kid', 'a'),
        await toJwk(pem(PAIRS.ed25519().publicKey, 'spki'), '--kid', 'b'),
      ],
    }
    const b = await toPem(set, '--kid', 'b')
    expect(await toJwk(b, '--kid', 'b')).toEqual(set.keys[1])
    const { code, stderr } = await cli(['jwk2pem', '-'], { stdin: JSON.stringify(set) })
    expect(code).toBe(2)
    expect(stderr).toContain('holds 2 keys; pick one with --kid')
  })

  it('writes private PEM files with mode 0600', async () => {
    const out = tmp.path('key.pem')
    await cliOk(['jwk2pem', '-', '--out', out], {
      stdin: JSON.stringify(await toJwk(pem(PAIRS.rsa().privateKey, 'pkcs8'))),
    })
    expect(((await stat(out)).mode & 0o777).toString(8)).toBe('600')
    expect(await readFile(out, 'utf8')).toMatch(/^-----BEGIN PRIVATE KEY-----/)
  })

  it.each([
    ['an oct key', { kty: 'oct', k: 'c2VjcmV0' }, [], /shared secret and has no PEM form/],
    ['pkcs8 from a public key', 'ec-public', ['--format', 'pkcs8'], /this JWK is public/],
    ['sec1 for RSA', 'rsa-private', ['--format', 'sec1'], /sec1 is for EC keys only/],
    ['pkcs1 for EC', 'ec-private', ['--format', 'pkcs1'], /pkcs1 is for RSA keys only/],
    ['--public with pkcs8', 'ec-private', ['--format', 'pkcs8', '--public'], /contradict/],
    ['a broken JWK', { kty: 'EC', crv: 'P-256', x: 'AAAA', y: 'AAAA' }, [], /not a valid EC JWK/],
    ['an unknown --kid', 'ec-private', ['--kid', 'nope'], /no key with kid "nope"/],
    [
      'an unknown format',
      'ec-private',
      ['--format', 'der'],
      /Allowed choices are pkcs8, spki, pkcs1, sec1, cert/,
    ],
    ['cert without x5c', 'ec-private', ['--format', 'cert'], /needs a JWK with "x5c"/],
  ])('refuses %s (exit 2)', async (_what, jwk, args, message) => {
    const keys: Record<string, () => Promise<Jwk>> = {
      'ec-public': () => toJwk(pem(PAIRS['ec P-256']().publicKey, 'spki')),
      'ec-private': () => toJwk(pem(PAIRS['ec P-256']().privateKey, 'pkcs8')),
      'rsa-private': () => toJwk(pem(PAIRS.rsa().privateKey, 'pkcs8')),
    }
    const input = typeof jwk === 'string' ? await keys[jwk]!() : jwk
    const { code, stdout, stderr } = await cli(['jwk2pem', '-', ...args], { stdin: JSON.stringify(input) })
    expect(code).toBe(2)
    expect(stdout).toBe('')
    expectOneLineError(stderr)
    expect(stderr).toMatch(message)
  })
})

/** OpenSSL makes the certificates (node:crypto cannot issue one) and the legacy-format keys. */
const hasOpenssl = (() => {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' })
    return true
  } catch {
    return false
  }
})()

describe.skipIf(!hasOpenssl)('with OpenSSL-made keys and certificates', () => {
  const openssl = (...args: string[]) =>
    execFileSync('openssl', args, { cwd: tmp.dir, stdio: ['ignore', 'pipe', 'ignore'] })
  let leaf: string
  let ca: string
  let leafKey: string

  beforeAll(async () => {
    openssl(
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-subj',
      '/CN=Test CA',
      '-days',
      '1',
      '-keyout',
      'ca.key',
      '-out',
      'ca.pem',
    )
    openssl(
      'req',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-subj',
      '/CN=leaf',
      '-keyout',
      'leaf.key',
      '-out',
      'leaf.csr',
    )
    openssl(
      'x509',
      '-req',
      '-in',
      'leaf.csr',
      '-CA',
      'ca.pem',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-days',
      '1',
      '-out',
      'leaf.pem',
    )
    ;[leaf, ca, leafKey] = (await Promise.all(
      ['leaf.pem', 'ca.pem', 'leaf.key'].map((f) => readFile(tmp.path(f), 'utf8')),
    )) as [string, string, string]
  })

  it('a certificate chain gives the leaf public key with x5c (leaf first) and x5t#S256', async () => {
    const jwk = await toJwk(leaf + ca, '--alg', 'RS256')
    const der = new X509Certificate(leaf).raw
    expect(jwk).toMatchObject({
      kty: 'RSA',
      alg: 'RS256',
      'x5t#S256': createHash('sha256').update(der).digest('base64url'),
    })
    expect(jwk).not.toHaveProperty('d')
    expect(jwk.x5c).toEqual([der.toString('base64'), new X509Certificate(ca).raw.toString('base64')])
    expect(await toPem(jwk, '--format', 'cert')).toBe(
      new X509Certificate(leaf).toString() + new X509Certificate(ca).toString(),
    )
    // And the key inside is the leaf's key.
    const fromKey = await toJwk(leafKey, '--public', '--alg', 'RS256')
    expect({ n: jwk.n, e: jwk.e }).toEqual({ n: fromKey.n, e: fromKey.e })
    expect(jwk.kid).toBe(fromKey.kid)
  })

  it('a private key followed by its certificate gives the private JWK with x5c', async () => {
    const jwk = await toJwk(leafKey + leaf)
    expect(jwk).toHaveProperty('d')
    expect(jwk.x5c).toHaveLength(1)
  })

  it('refuses a chain out of order, a certificate for another key, and a corrupt certificate', async () => {
    for (const [input, message] of [
      [ca + leaf, /not issued by certificate #2/],
      [leafKey + ca, /certificate is not for the key/],
      [leaf.replace(/\n[A-Za-z0-9+/]{16}/, '\nAAAAAAAAAAAAAAAA'), /certificate #1 is corrupt/],
    ] as const) {
      const { code, stderr } = await cli(['pem2jwk', '-'], { stdin: input })
      expect(code).toBe(2)
      expectOneLineError(stderr)
      expect(stderr).toMatch(message)
    }
  })

  it.each([
    ['genrsa -traditional (PKCS#1)', ['genrsa', '-traditional', '2048'], 'pkcs1'],
    ['ecparam -genkey (SEC1 after EC PARAMETERS)', ['ecparam', '-name', 'secp384r1', '-genkey'], 'sec1'],
    ['genpkey ed25519 (PKCS#8)', ['genpkey', '-algorithm', 'ed25519'], 'pkcs8'],
  ])('round-trips %s', async (_what, args, format) => {
    const original = openssl(...args).toString('utf8')
    const keyOnly = original.slice(original.lastIndexOf('-----BEGIN'))
    expect(await toPem(await toJwk(original), '--format', format)).toBe(keyOnly)
  })

  it('reads the OpenSSL-written RSA PUBLIC KEY form', async () => {
    await writeFile(tmp.path('rsa.key'), leafKey)
    const pkcs1 = openssl('rsa', '-in', 'rsa.key', '-RSAPublicKey_out').toString('utf8')
    expect(await toPem(await toJwk(pkcs1), '--format', 'pkcs1')).toBe(pkcs1)
  })
})
