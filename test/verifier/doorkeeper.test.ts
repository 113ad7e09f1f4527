import { describe, expect, it } from 'vitest'
import { Doorkeeper } from '../../src/verifier/doorkeeper.js'

const token = (i: number) =>
  `eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ1In0.${i.toString(36).padStart(12, 'x')}signature-tail-${i}`

describe('Doorkeeper (second-sight admission of the verified-token cache)', () => {
  it('says "seen" only from the second sighting on', () => {
    const door = new Doorkeeper(100)
    expect(door.seen(token(1))).toBe(false)
    expect(door.seen(token(1))).toBe(true)
    expect(door.seen(token(2))).toBe(false)
    expect(door.seen(token(2))).toBe(true)
  })

  it('keeps false "seen" rare, and forgets everything after as many new tokens as it was sized for', () => {
    const door = new Doorkeeper(1000)
    let falseSeen = 0
    for (let i = 0; i < 999; i++) if (door.seen(token(i))) falseSeen++
    expect(falseSeen).toBeLessThan(50)
    const small = new Doorkeeper(10)
    small.seen(token(0))
    let added = 1
    for (let i = 1; added < 10; i++) if (!small.seen(token(i))) added++
    expect(small.seen(token(0))).toBe(false)
  })

  it('tells apart tokens that differ only early on (the sketch reads the signature tail)', () => {
    const door = new Doorkeeper(10)
    door.seen('a.b.same-signature-tail-abcdefghijklmnopqrstuvwxyz')
    // Same tail: a false "seen" is allowed (it only costs a digest and an exact lookup).
    expect(door.seen('x.y.same-signature-tail-abcdefghijklmnopqrstuvwxyz')).toBe(true)
  })
})
