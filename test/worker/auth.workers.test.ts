import { base64url } from 'jose'
import { describe, expect, it } from 'vitest'
import { BODY, CHALLENGE, type Harness, harness } from './support/gateway.js'

/** Asserts one docs/middleware.md#http-answers rejection: status, exact challenge, JSON body, and that nothing was forwarded. */
async function expectRejected(
  h: Harness,
  response: Response,
  status: number,
  challenge: string | null,
  body: unknown,
): Promise<void> {
  expect(response.status).toBe(status)
  expect(response.headers.get('www-authenticate')).toBe(challenge)
  expect(response.headers.get('content-type')).toBe('application/json')
  expect(await response.json()).toEqual(body)
  expect(h.upstream.calls).toHaveLength(0)
}

/** A harness whose verifier has fetched the keys once (discovery 1, JWKS 1) with a good token. */
async function warm(options: Parameters<typeof harness>[0] = {}): Promise<Harness> {
  const h = await harness(options)
  expect((await h.send('/warm-up', { headers: await h.bearer() })).status).toBe(200)
  h.upstream.calls.length = 0
  expect(h.idp.counts).toMatchObject({ discovery: 1, jwks: 1 })
  return h
}

describe('RFC 6750 request rules (no key fetch at all)', () => {
  it('no credentials: 401 without an error attribute', async () => {
    const h = await harness()
    await expectRejected(h, await h.send('/orders'), 401, CHALLENGE.missing, BODY.missing)
    expect(h.idp.counts).toMatchObject({ discovery: 0, jwks: 0 })
  })

  it('another scheme (Basic) counts as no credentials', async () => {
    const h = await harness()
    const response = await h.send('/orders', { headers: { authorization: 'Basic dXNlcjpwYXNz' } })
    await expectRejected(h, response, 401, CHALLENGE.missing, BODY.missing)
    expect(h.idp.counts.jwks).toBe(0)
  })

  it('an empty bearer token is 400 invalid_request', async () => {
    const h = await harness()
    const response = await h.send('/orders', { headers: { authorization: 'Bearer ' } })
    await expectRejected(h, response, 400, CHALLENGE.invalidRequest, BODY.invalidRequest)
    expect(h.idp.counts.jwks).toBe(0)
  })

  it('two Authorization headers (joined by the runtime) are 400', async () => {
    const h = await harness()
    const token = await h.idp.sign()
    const headers = new Headers()
    headers.append('authorization', `Bearer ${token}`)
    headers.append('authorization', `Bearer ${token}`)
    await expectRejected(
      h,
      await h.send('/orders', { headers }),
      400,
      CHALLENGE.invalidRequest,
      BODY.invalidRequest,
    )
    expect(h.idp.counts.jwks).toBe(0)
  })

  it('header plus ?access_token= while the JWKS endpoint is down: one clean 400 (docs/SECURITY.md row 66)', async () => {
    const h = await harness()
    h.idp.fail({ kind: 'down' }, 'all')
    const token = await h.idp.sign()
    const response = await h.send(`/orders?access_token=${token}`, {
      headers: { authorization: `Bearer ${token}` },
    })
    await expectRejected(h, response, 400, CHALLENGE.invalidRequest, BODY.invalidRequest)
    expect(h.idp.counts).toMatchObject({ discovery: 0, jwks: 0 })
  })

  it('a token only in the query is not accepted (the gateway reads the header only)', async () => {
    const h = await harness()
    const response = await h.send(`/orders?access_token=${await h.idp.sign()}`)
    await expectRejected(h, response, 401, CHALLENGE.missing, BODY.missing)
  })

  it('the scheme is case-insensitive', async () => {
    const h = await harness()
    const response = await h.send('/orders', { headers: { authorization: `bEaReR ${await h.idp.sign()}` } })
    expect(response.status).toBe(200)
  })

  it('HEAD rejections carry the headers and no body', async () => {
    const h = await harness()
    const response = await h.send('/orders', { method: 'HEAD' })
    expect(response.status).toBe(401)
    expect(response.headers.get('www-authenticate')).toBe(CHALLENGE.missing)
    expect(await response.text()).toBe('')
    expect(h.upstream.calls).toHaveLength(0)
  })
})

describe('invalid tokens: 401 invalid_token, and no fetch beyond the first', () => {
  const cases: [string, (h: Harness) => Promise<string>][] = [
    ['not a JWS', async () => 'not-a-token'],
    ['a JWE (5 segments)', async () => 'a.b.c.d.e'],
    ['a bad signature', async (h) => `${(await h.idp.sign()).slice(0, -6)}AAAAAA`],
    ['expired', async (h) => h.idp.sign({ exp: Math.floor(h.clock.now() / 1000) - 120 })],
    ['not yet valid', async (h) => h.idp.sign({ nbf: Math.floor(h.clock.now() / 1000) + 600 })],
    ['another audience', async (h) => h.idp.sign({ aud: 'https://other-api.test' })],
    ['another issuer', async (h) => h.idp.sign({ iss: 'https://evil.test' })],
    ['alg none', async (h) => `${b64({ alg: 'none', kid: h.idp.keys[0]?.kid })}.${b64({ sub: 'x' })}.`],
    ['alg HS256', async (h) => `${b64({ alg: 'HS256', kid: h.idp.keys[0]?.kid })}.${b64({ sub: 'x' })}.c2ln`],
    ['a crit header', async (h) => h.idp.sign({}, { header: { crit: ['x-ext'], 'x-ext': 1 } })],
  ]

  it.each(cases)('%s', async (_name, mint) => {
    const h = await warm()
    const response = await h.send('/orders', { headers: { authorization: `Bearer ${await mint(h)}` } })
    await expectRejected(h, response, 401, CHALLENGE.invalidToken, BODY.invalidToken)
    expect(h.idp.counts).toMatchObject({ discovery: 1, jwks: 1, unexpected: 0 })
  })

  it('a jku header is never followed: the unknown kid is looked up at the configured issuer only', async () => {
    const h = await warm()
    const token = await h.idp.sign({}, { kid: 'elsewhere', header: { jku: 'https://evil.test/jwks' } })
    const response = await h.send('/orders', { headers: { authorization: `Bearer ${token}` } })
    await expectRejected(h, response, 401, CHALLENGE.invalidToken, BODY.invalidToken)
    expect(h.idp.counts).toMatchObject({ jwks: 2, unexpected: 0 })
  })

  it('an unknown kid refetches once, then the cooldown refuses without a fetch', async () => {
    const h = await warm()
    for (const kid of ['rotated-1', 'rotated-2']) {
      const token = await h.idp.sign({}, { kid })
      const response = await h.send('/orders', { headers: { authorization: `Bearer ${token}` } })
      await expectRejected(h, response, 401, CHALLENGE.invalidToken, BODY.invalidToken)
    }
    expect(h.idp.counts.jwks).toBe(2)
  })
})

describe('JWKS_DENY_KIDS: a denied kid is never accepted', () => {
  it('a token whose kid is denied is 401 without any fetch', async () => {
    const h = await harness()
    h.env.JWKS_DENY_KIDS = `old-key, ${h.idp.keys[0]?.kid}`
    const response = await h.send('/orders', { headers: await h.bearer() })
    await expectRejected(h, response, 401, CHALLENGE.invalidToken, BODY.invalidToken)
    expect(h.idp.counts).toMatchObject({ discovery: 0, jwks: 0 })
  })

  it('with a deny list, a token without kid is 401 (it could be verified by the denied key)', async () => {
    const h = await harness({ vars: { JWKS_DENY_KIDS: 'old-key' } })
    const token = await h.idp.sign({}, { kid: null })
    const response = await h.send('/orders', { headers: { authorization: `Bearer ${token}` } })
    await expectRejected(h, response, 401, CHALLENGE.invalidToken, BODY.invalidToken)
    expect(h.idp.counts.jwks).toBe(0)
  })

  it('other kids still verify', async () => {
    const h = await harness({ vars: { JWKS_DENY_KIDS: 'old-key' } })
    expect((await h.send('/orders', { headers: await h.bearer() })).status).toBe(200)
  })
})

describe('REQUIRED_SCOPES', () => {
  it('a valid token without the scope is 403 insufficient_scope naming the scopes', async () => {
    const h = await harness({ vars: { REQUIRED_SCOPES: 'orders:read admin' } })
    const response = await h.send('/orders', { headers: await h.bearer({ scope: 'orders:read' }) })
    await expectRejected(
      h,
      response,
      403,
      CHALLENGE.insufficientScope('orders:read admin'),
      BODY.insufficientScope,
    )
    expect(h.idp.counts.jwks).toBe(1)
  })

  it('`scope` string or `scp` array with every scope passes', async () => {
    const h = await harness({ vars: { REQUIRED_SCOPES: 'orders:read admin' } })
    expect((await h.send('/a', { headers: await h.bearer({ scope: 'admin orders:read x' }) })).status).toBe(
      200,
    )
    expect((await h.send('/b', { headers: await h.bearer({ scp: ['orders:read', 'admin'] }) })).status).toBe(
      200,
    )
    expect(h.upstream.calls).toHaveLength(2)
  })
})

describe('keys unavailable', () => {
  it('issuer down on a cold gateway: 503 with Retry-After and no challenge', async () => {
    const h = await harness()
    h.idp.fail({ kind: 'down' }, 'all')
    const response = await h.send('/orders', { headers: await h.bearer() })
    await expectRejected(h, response, 503, null, BODY.unavailable)
    expect(Number(response.headers.get('retry-after'))).toBeGreaterThanOrEqual(1)
    expect(h.idp.counts).toMatchObject({ discovery: 1, jwks: 0 })
  })

  it('JWKS endpoint failing (500) with discovery up: 503, one JWKS attempt', async () => {
    const h = await harness()
    h.idp.fail({ kind: 'status', status: 500 })
    const response = await h.send('/orders', { headers: await h.bearer() })
    await expectRejected(h, response, 503, null, BODY.unavailable)
    expect(h.idp.counts).toMatchObject({ discovery: 1, jwks: 1 })
  })
})

function b64(value: unknown): string {
  return base64url.encode(JSON.stringify(value))
}
