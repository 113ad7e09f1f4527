import { decodeProtectedHeader, importSPKI, jwtVerify } from 'jose'
import { describe, expect, it } from 'vitest'
import { createAlbTestSigner } from '../../src/testing/index.js'

describe('createAlbTestSigner', () => {
  it('serves each kid one PEM public key, cacheable, and 403 for a kid it does not know', async () => {
    const alb = await createAlbTestSigner({ maxAgeSeconds: 60 })
    const [kid] = alb.kids
    expect(alb.keysUrl).toBe('https://public-keys.auth.elb.eu-west-1.amazonaws.com')
    const response = await alb.fetch(`${alb.keysUrl}/${kid}`)
    expect(response.status).toBe(200)
    expect(response.headers.get('cache-control')).toBe('public, max-age=60')
    expect(await response.text()).toMatch(/^-----BEGIN PUBLIC KEY-----\n[\s\S]+\n-----END PUBLIC KEY-----\n$/)
    expect((await alb.fetch(`${alb.keysUrl}/${crypto.randomUUID()}`)).status).toBe(403)
    await expect(alb.fetch('https://elsewhere.test/x')).rejects.toThrow(TypeError)
    expect(alb.counts).toEqual({ keys: 2, unexpected: 1 })
    alb.resetCounts()
    expect(alb.counts).toEqual({ keys: 0, unexpected: 0 })
  })

  it('signs as ALB does: ES256, padded segments, signer/client/iss/exp in the header', async () => {
    const now = Date.UTC(2026, 10, 30)
    const alb = await createAlbTestSigner({ client: 'app', now: () => now })
    const token = await alb.sign({ email: 'a@example.com' })
    expect(token.split('.').every((segment) => segment.length % 4 === 0)).toBe(true)
    const header = decodeProtectedHeader(token)
    expect(header).toEqual({
      typ: 'JWT',
      kid: alb.kids[0],
      alg: 'ES256',
      iss: alb.issuer,
      client: 'app',
      signer: alb.signer,
      exp: now / 1000 + 120,
    })
    // The key served verifies the RFC 7515 spelling with jose as it is.
    const pem = await (await alb.fetch(`${alb.keysUrl}/${alb.kids[0]}`)).text()
    const unpadded = await alb.sign({ email: 'a@example.com' }, { padded: false })
    const { payload } = await jwtVerify(unpadded, await importSPKI(pem, 'ES256'), {
      currentDate: new Date(now),
    })
    expect(payload).toMatchObject({ email: 'a@example.com', iss: alb.issuer, sub: 'user-1' })
  })

  it('rotates, removes keys, overrides header members and fails on demand', async () => {
    const alb = await createAlbTestSigner()
    const first = alb.kids[0] ?? ''
    const second = await alb.rotate()
    expect(alb.kids).toEqual([second, first])
    expect(decodeProtectedHeader(await alb.sign()).kid).toBe(second)
    expect(
      decodeProtectedHeader(await alb.sign({}, { header: { signer: undefined } })).signer,
    ).toBeUndefined()
    alb.removeKey(first)
    expect((await alb.fetch(`${alb.keysUrl}/${first}`)).status).toBe(403)
    expect(() => alb.removeKey(first)).toThrow(RangeError)
    alb.fail({ kind: 'status', status: 500 })
    expect((await alb.fetch(`${alb.keysUrl}/${second}`)).status).toBe(500)
    alb.fail({ kind: 'down' })
    await expect(alb.fetch(`${alb.keysUrl}/${second}`)).rejects.toThrow(TypeError)
    expect((await alb.handle(new Request(`${alb.keysUrl}/${second}`))).status).toBe(503)
    alb.fail(null)
    expect((await alb.fetch(`${alb.keysUrl}/${second}`)).status).toBe(200)
    expect(() => alb.fail({ kind: 'nope' } as never)).toThrow(TypeError)
  })
})
