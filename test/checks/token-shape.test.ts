import { describe, expect, it } from 'vitest'
import { MAX_TOKEN_LENGTH } from '../../src/checks/token-shape.js'
import type { TestIssuer } from '../../src/testing/index.js'
import { codeOf, setup } from '../helpers/setup.js'

/**
 * A valid token of exactly `length` characters, padded by a claim (and, since base64url never
 * ends a segment on 4k+1 characters, by a harmless header member when needed).
 */
async function validTokenOf(idp: TestIssuer, length: number): Promise<string> {
  for (let headerPad = 0; headerPad < 4; headerPad++) {
    const header = { p: 'y'.repeat(headerPad) }
    const base = await idp.sign({ pad: '' }, { header })
    let pad = Math.floor(((length - base.length) * 3) / 4)
    for (let step = 0; step < 6; step++) {
      const token = await idp.sign({ pad: 'x'.repeat(pad) }, { header })
      if (token.length === length) return token
      pad += token.length < length ? 1 : -1
    }
  }
  throw new Error(`no valid token of ${length} characters`)
}

describe('the 16 KiB token cap', () => {
  it('refuses an otherwise valid token one character over 16 KiB, before any decoding or fetch', async () => {
    const { idp, verifier } = await setup()
    expect(MAX_TOKEN_LENGTH).toBe(16 * 1024)
    const over = await validTokenOf(idp, MAX_TOKEN_LENGTH + 1)
    expect(await codeOf(verifier.verify(over))).toBe('ERR_TOKEN_MALFORMED')
    expect(idp.counts).toMatchObject({ discovery: 0, jwks: 0 })
  })

  it('accepts a valid token of exactly 16 KiB', async () => {
    const { idp, verifier } = await setup()
    const atCap = await validTokenOf(idp, MAX_TOKEN_LENGTH)
    expect((await verifier.verify(atCap)).payload.sub).toBe('user-1')
  })
})
