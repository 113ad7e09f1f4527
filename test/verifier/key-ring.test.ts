import type { JWK } from 'jose'
import { beforeAll, describe, expect, it } from 'vitest'
import type { KeySnapshot } from '../../src/cache/key-set-store.js'
import type { PublicJwk } from '../../src/jwk/public-jwk.js'
import { createTestIssuer } from '../../src/testing/index.js'
import { fingerprintOf, KeyRing } from '../../src/verifier/key-ring.js'
import { ecJwk } from '../helpers/hand-fetch.js'

let k1: PublicJwk
let k2: PublicJwk
beforeAll(async () => {
  k1 = (await ecJwk('k1')) as PublicJwk
  k2 = (await ecJwk('k2')) as PublicJwk
})

function snapshot(keys: readonly (PublicJwk | JWK)[]): KeySnapshot {
  return {
    keys: keys as PublicJwk[],
    url: 'https://idp.test/jwks',
    fetchedAt: 0,
    maxAgeMs: 600_000,
    etag: undefined,
  }
}

describe('KeyRing', () => {
  it('selects by alg and kid, imports each key once, and memoises the selection', async () => {
    const ring = new KeyRing()
    ring.sync(snapshot([k1, k2]))
    const first = ring.select('ES256', 'k2')
    expect(first).not.toBe('none')
    expect(ring.select('ES256', 'k2')).toBe(first)
    const key = await (first as Exclude<typeof first, string>).cryptoKey
    expect(key.type).toBe('public')
    expect(ring.select('ES256', 'missing')).toBe('none')
    expect(ring.select('RS256', 'k1')).toBe('none')
    expect(ring.select('ES256', undefined)).toBe('ambiguous')
  })

  it('a key removed from the next set stops being live and selectable at once', () => {
    const ring = new KeyRing()
    ring.sync(snapshot([k1, k2]))
    const selected = ring.select('ES256', 'k1')
    expect(typeof selected).toBe('object')
    const fingerprint = fingerprintOf(k1)
    expect(ring.isLive(fingerprint)).toBe(true)
    ring.sync(snapshot([k2]))
    expect(ring.isLive(fingerprint)).toBe(false)
    expect(ring.select('ES256', 'k1')).toBe('none')
    expect(ring.isLive(fingerprintOf(k2))).toBe(true)
  })

  it('a key with the same kid but new material is a different key', async () => {
    const ring = new KeyRing()
    ring.sync(snapshot([k1]))
    const replaced = { ...(await ecJwk('k1')) } as PublicJwk
    const before = ring.select('ES256', 'k1')
    ring.sync(snapshot([replaced]))
    expect(ring.isLive(fingerprintOf(k1))).toBe(false)
    expect(ring.isLive(fingerprintOf(replaced))).toBe(true)
    expect(ring.select('ES256', 'k1')).not.toBe(before)
  })

  it('re-syncing the same snapshot keeps the memoised selection', () => {
    const ring = new KeyRing()
    const current = snapshot([k1])
    ring.sync(current)
    const selected = ring.select('ES256', 'k1')
    ring.sync(current)
    expect(ring.select('ES256', 'k1')).toBe(selected)
  })

  it('a key WebCrypto refuses fails as ERR_KEY_UNUSABLE, every time, without a new import', async () => {
    const idp = await createTestIssuer({ algorithms: ['ES256'] })
    const [good] = idp.publicJwks().keys
    const offCurve = { ...good, kid: 'bad', x: good?.y, y: good?.x } as PublicJwk
    const ring = new KeyRing()
    ring.sync(snapshot([offCurve]))
    const first = ring.select('ES256', 'bad')
    await expect((first as Exclude<typeof first, string>).cryptoKey).rejects.toMatchObject({
      code: 'ERR_KEY_UNUSABLE',
    })
    ring.sync(snapshot([offCurve]))
    const again = ring.select('ES256', 'bad')
    expect((again as Exclude<typeof again, string>).cryptoKey).toBe(
      (first as Exclude<typeof first, string>).cryptoKey,
    )
  })
})
