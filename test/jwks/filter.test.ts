import { exportJWK, generateKeyPair } from 'jose'
import { beforeAll, describe, expect, it } from 'vitest'
import { filterJwks, partitionJwks } from '../../src/jwks/index.js'

// Real keys made per run with WebCrypto, so this file runs unchanged in workerd and Node.
async function privateJwk(
  alg: 'RS256' | 'ES256' | 'ES384' | 'EdDSA',
  kid: string,
): Promise<Record<string, unknown>> {
  const { privateKey } = await generateKeyPair(alg, { extractable: true })
  return { ...(await exportJWK(privateKey)), kid, alg, use: 'sig' }
}

const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k']

let rsa: Record<string, unknown>
let ec: Record<string, unknown>
let ec384: Record<string, unknown>
let ed: Record<string, unknown>

beforeAll(async () => {
  ;[rsa, ec, ec384, ed] = await Promise.all([
    privateJwk('RS256', 'rsa-1'),
    privateJwk('ES256', 'ec-1'),
    privateJwk('ES384', 'ec384-1'),
    privateJwk('EdDSA', 'ed-1'),
  ])
})

function withoutAlg(jwk: Record<string, unknown>): Record<string, unknown> {
  const { alg: _alg, ...rest } = jwk
  return rest
}

describe('filterJwks', () => {
  it('keeps RSA, EC and OKP signing keys with only their public members', () => {
    const { keys } = filterJwks({ keys: [rsa, ec, ed] })
    expect(keys.map((k) => k.kid)).toEqual(['rsa-1', 'ec-1', 'ed-1'])
    for (const key of keys) for (const member of PRIVATE_MEMBERS) expect(key).not.toHaveProperty(member)
    expect(Object.keys(keys[0]!).sort()).toEqual(['alg', 'e', 'kid', 'kty', 'n', 'use'])
    expect(Object.keys(keys[1]!).sort()).toEqual(['alg', 'crv', 'kid', 'kty', 'use', 'x', 'y'])
    expect(Object.keys(keys[2]!).sort()).toEqual(['alg', 'crv', 'kid', 'kty', 'use', 'x'])
  })

  it('never publishes oct keys, whatever the allow-list says', () => {
    const oct = { kty: 'oct', kid: 'hs', alg: 'HS256', k: 'c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3JldA' }
    expect(filterJwks({ keys: [oct] }, { algorithms: ['HS256', 'RS256'] }).keys).toEqual([])
    expect(partitionJwks({ keys: [oct, rsa] }).dropped).toEqual([
      { index: 0, kid: 'hs', reason: 'symmetric' },
    ])
  })

  it('drops keys for encryption and keeps `use` absent', () => {
    const enc = { ...withoutAlg(rsa), kid: 'enc', use: 'enc' }
    const { use: _use, ...noUse }: Record<string, unknown> = { ...ec, kid: 'no-use' }
    const { keys, dropped } = partitionJwks({ keys: [enc, noUse] })
    expect(keys.map((k) => k.kid)).toEqual(['no-use'])
    expect(dropped).toEqual([{ index: 0, kid: 'enc', reason: 'not-for-signing' }])
  })

  it('keeps a key naming an alg only when that alg is allowed', () => {
    const { keys, dropped } = partitionJwks({ keys: [rsa, ec, ed] }, { algorithms: ['ES256'] })
    expect(keys.map((k) => k.kid)).toEqual(['ec-1'])
    expect(dropped.map((d) => [d.kid, d.reason])).toEqual([
      ['rsa-1', 'alg-not-allowed'],
      ['ed-1', 'alg-not-allowed'],
    ])
  })

  it('keeps a key without alg when its kty/crv fits an allowed alg', () => {
    const set = { keys: [withoutAlg(rsa), withoutAlg(ec), withoutAlg(ec384), withoutAlg(ed)] }
    expect(filterJwks(set, { algorithms: ['PS256', 'ES384'] }).keys.map((k) => k.kid)).toEqual([
      'rsa-1',
      'ec384-1',
    ])
    expect(filterJwks(set, { algorithms: ['EdDSA'] }).keys.map((k) => k.kid)).toEqual(['ed-1'])
  })

  it('drops a key whose alg does not fit its kty or curve', () => {
    const lying = { ...ec, kid: 'lying', alg: 'ES384' }
    expect(partitionJwks({ keys: [lying] }).dropped).toEqual([
      { index: 0, kid: 'lying', reason: 'alg-not-allowed' },
    ])
  })

  it('uses the docs/verifier.md#verification-policy asymmetric default allow-list, and unknown algs are dropped', () => {
    const unknown = { ...ec, kid: 'weird', alg: 'ES256K' }
    const none = { ...ec, kid: 'none', alg: 'none' }
    const { keys, dropped } = partitionJwks({ keys: [rsa, unknown, none] })
    expect(keys.map((k) => k.kid)).toEqual(['rsa-1'])
    expect(dropped.map((d) => d.reason)).toEqual(['unsupported-alg', 'unsupported-alg'])
  })

  it('drops denied kids', () => {
    const { keys, dropped } = partitionJwks({ keys: [rsa, ec] }, { denyKids: ['rsa-1'] })
    expect(keys.map((k) => k.kid)).toEqual(['ec-1'])
    expect(dropped).toEqual([{ index: 0, kid: 'rsa-1', reason: 'kid-denied' }])
  })

  it('deduplicates same kid + same material, keeping the first, but keeps same-kid different keys', () => {
    const again = { ...withoutAlg(ec), x5t: 'abc' }
    const otherMaterial = { ...ec384, kid: 'ec-1', alg: 'ES384' }
    const { keys, dropped } = partitionJwks({ keys: [ec, again, otherMaterial] })
    expect(keys).toHaveLength(2)
    expect(keys[0]).toMatchObject({ kid: 'ec-1', alg: 'ES256' })
    expect(keys[0]).not.toHaveProperty('x5t')
    expect(keys[1]).toMatchObject({ kid: 'ec-1', alg: 'ES384' })
    expect(dropped).toEqual([{ index: 1, kid: 'ec-1', reason: 'duplicate' }])
  })

  it('keeps the same material under two kids (a rename is two published keys)', () => {
    expect(filterJwks({ keys: [ec, { ...ec, kid: 'ec-renamed' }] }).keys).toHaveLength(2)
  })

  it('keeps x5c/x5t members and drops unknown ones', () => {
    const { keys } = filterJwks({
      keys: [{ ...rsa, x5c: ['AAAA'], 'x5t#S256': 'abc', custom: 'x', ext: true }],
    })
    expect(keys[0]).toMatchObject({ x5c: ['AAAA'], 'x5t#S256': 'abc' })
    expect(keys[0]).not.toHaveProperty('custom')
    expect(keys[0]).not.toHaveProperty('ext')
  })

  it('drops keys with missing or malformed members, and non-objects', () => {
    const { n: _n, ...noModulus } = rsa
    const { keys, dropped } = partitionJwks({
      keys: [noModulus, 'x', null, { kty: 'RSA', n: 'a b', e: 'AQAB' }],
    })
    expect(keys).toEqual([])
    expect(dropped.map((d) => d.reason)).toEqual([
      'missing-members',
      'not-an-object',
      'not-an-object',
      'missing-members',
    ])
  })

  it('answers anything that is not a JWKS with an empty set', () => {
    for (const value of [null, undefined, 'keys', [], {}, { keys: 'no' }, [rsa]]) {
      expect(filterJwks(value)).toEqual({ keys: [] })
    }
    expect(partitionJwks({ keys: {} }).dropped).toEqual([{ index: 0, kid: undefined, reason: 'not-a-jwks' }])
  })

  it('does not change its input', () => {
    const set = { keys: [structuredClone(rsa)] }
    filterJwks(set)
    expect(set.keys[0]).toEqual(rsa)
  })
})

describe('filterJwks: key_ops of private keys', () => {
  it('publishes the public half of a private key marked sign, as verify', () => {
    const { keys } = filterJwks({ keys: [{ ...rsa, key_ops: ['sign'] }] })
    expect(keys).toHaveLength(1)
    expect(keys[0]?.key_ops).toEqual(['verify'])
    expect(Object.hasOwn(keys[0] ?? {}, 'd')).toBe(false)
  })

  it('still drops a key for encryption only', () => {
    expect(filterJwks({ keys: [{ ...rsa, key_ops: ['decrypt'] }] }).keys).toEqual([])
  })
})
