import { base64url } from 'jose'
import { describe, expect, it } from 'vitest'
import { httpAnswer, JwtAuthError } from '../../src/index.js'
import { setup } from '../helpers/setup.js'

describe('no token, claim or key material leaves the verifier', () => {
  it('keeps errors, events and answers free of secrets across bad inputs and faults', async () => {
    const pending: Promise<unknown>[] = []
    const { idp, verifier, clock, events } = await setup({ verifier: { waitUntil: (p) => pending.push(p) } })
    const now = Math.floor(clock.now() / 1000)
    const secretSub = 'subject-that-must-not-leak'
    const good = await idp.sign({ sub: secretSub })
    const [h, p, s] = good.split('.') as [string, string, string]
    const bad = [
      `${h}.${p}.${s.slice(0, -4)}AAAA`,
      await idp.sign({ sub: secretSub, exp: now - 3600 }),
      await idp.sign({ sub: secretSub, aud: 'https://leak.test/aud-value' }),
      await idp.sign({ sub: secretSub }, { kid: 'kid-that-is-long-and-must-be-truncated-'.repeat(3) }),
      `${base64url.encode('{"alg":"none"}')}.${p}.`,
      'not-a-token',
    ]
    const messages: string[] = []
    await verifier.verify(good)
    idp.serveJwks(idp.privateJwks())
    clock.advance(11 * 60 * 1000)
    for (const token of bad) {
      try {
        await verifier.verify(token)
      } catch (error) {
        expect(error).toBeInstanceOf(JwtAuthError)
        const e = error as JwtAuthError
        messages.push(e.message, String(e.cause ?? ''), JSON.stringify(httpAnswer(e)))
      }
    }
    await Promise.all(pending)
    const haystack = [...messages, ...events.map((e) => JSON.stringify(e))].join('\n')
    const jwk = idp.privateJwks().keys[0] as Record<string, string>
    const needles = {
      signature: s,
      payload: p,
      sub: secretSub,
      aud: 'aud-value',
      d: jwk.d,
      n: jwk.n,
      p: jwk.p,
    }
    for (const [name, needle] of Object.entries(needles)) {
      expect(needle !== undefined && haystack.includes(needle), name).toBe(false)
    }
    expect(events.some((e) => e.type === 'fetch_failed')).toBe(true)
    expect(events.filter((e) => e.type === 'kid_miss').every((e) => (e.kid?.length ?? 0) <= 64)).toBe(true)
  })
})
