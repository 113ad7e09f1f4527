import { describe, expect, it } from 'vitest'
import { createVerifier } from '../../src/index.js'
import { VerifiedTokenCache } from '../../src/verifier/token-cache.js'
import { codeOf, setup } from '../helpers/setup.js'

const seconds = (ms: number) => Math.floor(ms / 1000)

// A cache hit must decide exactly as a fresh verification would at that moment: every rule that
// depends on time is applied again, and a token whose key left the set is not served.
describe('the verified-token cache enforces every time-dependent rule on every hit', () => {
  it('maxTokenAgeSeconds: the same token verified twice across the limit is refused the second time', async () => {
    const { idp, verifier, clock } = await setup({ warm: true, verifier: { maxTokenAgeSeconds: 60 } })
    const token = await idp.sign({ exp: seconds(clock.now()) + 24 * 3600 })
    await verifier.verify(token)
    // iat + 60 s + the 30 s tolerance: still young enough, served from the cache.
    clock.advance(90_000)
    expect((await verifier.verify(token)).payload.sub).toBe('user-1')
    clock.advance(1_000)
    expect(await codeOf(verifier.verify(token))).toBe('ERR_CLAIM_INVALID')
    // A verifier that never saw the token agrees.
    const fresh = createVerifier({
      issuer: idp.issuer,
      audience: idp.audience,
      fetch: idp.fetch,
      now: clock.now,
      maxTokenAgeSeconds: 60,
    })
    await fresh.verify(await idp.sign())
    expect(await codeOf(fresh.verify(token))).toBe('ERR_CLAIM_INVALID')
  })

  it('maxTokenAgeSeconds: 10 minutes and 21 hours later', async () => {
    for (const later of [10 * 60_000, 21 * 3_600_000]) {
      const { idp, verifier, clock } = await setup({ warm: true, verifier: { maxTokenAgeSeconds: 60 } })
      const token = await idp.sign({ exp: seconds(clock.now()) + 24 * 3600 })
      await verifier.verify(token)
      clock.advance(later)
      expect(await codeOf(verifier.verify(token))).toBe('ERR_CLAIM_INVALID')
    }
  })

  it('exp: a cached token still expires on time', async () => {
    const { idp, verifier, clock } = await setup({ warm: true })
    const now = seconds(clock.now())
    const token = await idp.sign({ exp: now + 60 })
    await verifier.verify(token)
    await verifier.verify(token)
    clock.advance(89_000)
    expect((await verifier.verify(token)).payload.exp).toBe(now + 60)
    clock.advance(2_000)
    expect(await codeOf(verifier.verify(token))).toBe('ERR_TOKEN_EXPIRED')
  })

  it('nbf and iat: a clock that steps back makes a cached token not yet valid', async () => {
    for (const claim of ['nbf', 'iat'] as const) {
      const { idp, verifier, clock } = await setup({ warm: true, verifier: { clockToleranceSeconds: 0 } })
      const now = seconds(clock.now())
      const token = await idp.sign({ [claim]: now })
      await verifier.verify(token)
      clock.set((now - 5) * 1000)
      expect(await codeOf(verifier.verify(token)), claim).toBe('ERR_TOKEN_NOT_YET_VALID')
    }
  })

  it('drops a cached token the moment its key leaves the set', async () => {
    const pending: Promise<unknown>[] = []
    const { idp, verifier, clock } = await setup({
      warm: true,
      verifier: { waitUntil: (p) => pending.push(p) },
    })
    const oldKid = idp.keys[0]?.kid ?? ''
    const token = await idp.sign({ exp: seconds(clock.now()) + 3600 })
    await verifier.verify(token)
    await Promise.all(pending.splice(0))
    await idp.rotate()
    idp.removeKey(oldKid)
    // Past 80% of the 10 min freshness: a hit is still served, and starts a background refresh.
    clock.advance(9 * 60 * 1000)
    expect((await verifier.verify(token)).kid).toBe(oldKid)
    await Promise.all(pending.splice(0))
    expect(idp.counts.jwks).toBe(1)
    expect(await codeOf(verifier.verify(token))).toBe('ERR_KEY_NOT_FOUND')
  })

  it('re-checks scopes on every hit (per-call scopes are not cached)', async () => {
    const { idp, verifier } = await setup({ warm: true })
    const token = await idp.sign({ scope: 'read' })
    await verifier.verify(token, { requiredScopes: ['read'] })
    expect(await codeOf(verifier.verify(token, { requiredScopes: ['admin'] }))).toBe('ERR_INSUFFICIENT_SCOPE')
  })
})

describe('VerifiedTokenCache', () => {
  it('is a bounded LRU by entries and by summed token length', () => {
    const cache = new VerifiedTokenCache<{ size: number; id: string }>(3, 100)
    for (const id of ['a', 'b', 'c']) cache.set(id, { size: 10, id })
    cache.get('a') // a becomes the youngest; b is now the oldest
    cache.set('d', { size: 10, id: 'd' })
    expect([cache.get('a')?.id, cache.get('b'), cache.get('c')?.id, cache.get('d')?.id]).toEqual([
      'a',
      undefined,
      'c',
      'd',
    ])
    cache.set('big', { size: 90, id: 'big' })
    // 120 bytes: the two oldest (a, c) go until the sum is back to 100.
    expect([cache.size, cache.get('d')?.id, cache.get('big')?.id]).toEqual([2, 'd', 'big'])
    cache.set('huge', { size: 101, id: 'huge' })
    expect(cache.get('huge')).toBeUndefined()
    const off = new VerifiedTokenCache<{ size: number }>(0, 100)
    off.set('a', { size: 1 })
    expect(off.size).toBe(0)
  })
})
