import { describe, expect, it } from 'vitest'
import { createNonceIssuer } from '../../src/sender/nonce.js'
import { manualClock } from '../helpers/clock.js'

const SECRET = 'a'.repeat(32)
const OTHER = 'b'.repeat(32)

describe('stateless DPoP nonces (RFC 9449 §8)', () => {
  it('accepts the current and the previous step, not older', async () => {
    const clock = manualClock()
    const nonces = createNonceIssuer({ secrets: [SECRET], stepSeconds: 300, now: clock.now })
    const nonce = await nonces.current()
    expect(await nonces.accepts(nonce)).toBe(true)
    clock.advance(300_000)
    expect(await nonces.accepts(nonce)).toBe(true)
    clock.advance(300_000)
    expect(await nonces.accepts(nonce)).toBe(false)
  })

  it('is shared by every instance with the secret, with no store', async () => {
    const clock = manualClock()
    const a = createNonceIssuer({ secrets: [SECRET], now: clock.now })
    const b = createNonceIssuer({ secrets: [SECRET], now: clock.now })
    expect(await b.accepts(await a.current())).toBe(true)
  })

  it('rotates: a nonce of the old secret is accepted while it is listed second', async () => {
    const clock = manualClock()
    const old = createNonceIssuer({ secrets: [OTHER], now: clock.now })
    const rotated = createNonceIssuer({ secrets: [SECRET, OTHER], now: clock.now })
    const dropped = createNonceIssuer({ secrets: [SECRET], now: clock.now })
    const nonce = await old.current()
    expect(await rotated.accepts(nonce)).toBe(true)
    expect(await dropped.accepts(nonce)).toBe(false)
  })

  it.each([undefined, 42, '', 'x.y', `${'9'.repeat(16)}.${'A'.repeat(43)}`])('refuses %s', async (value) => {
    const nonces = createNonceIssuer({ secrets: [SECRET], now: manualClock().now })
    expect(await nonces.accepts(value)).toBe(false)
  })

  it('refuses a future step and a forged MAC', async () => {
    const clock = manualClock()
    const nonces = createNonceIssuer({ secrets: [SECRET], stepSeconds: 300, now: clock.now })
    const [step, mac] = (await nonces.current()).split('.')
    expect(await nonces.accepts(`${Number(step) + 1}.${mac}`)).toBe(false)
    expect(await nonces.accepts(`${step}.${'A'.repeat(43)}`)).toBe(false)
  })
})
