import { Hono } from 'hono'
import { beforeAll, describe, expect, it } from 'vitest'
import { type JwksAuthEnv, type JwksAuthOptions, jwksAuth, requireScopes } from '../../src/hono/index.js'
import { createTestIssuer, type TestIssuer } from '../../src/testing/index.js'
import { baseOptions } from '../middleware/support/hono-app.js'
import { dpopClient, proofClaims } from '../sender/support.js'

const URL_ = 'https://api.example.com/api/items?page=1'
const HTU = 'https://api.example.com/api/items'
const ALGS = 'algs="RS256 RS384 RS512 PS256 PS384 PS512 ES256 ES384 ES512 EdDSA Ed25519"'
const INVALID_PROOF = `DPoP realm="api", ${ALGS}, error="invalid_dpop_proof", error_description="The DPoP proof is invalid"`
const INVALID_TOKEN = `DPoP realm="api", ${ALGS}, error="invalid_token", error_description="The access token is invalid"`

function app(idp: TestIssuer, options: Partial<JwksAuthOptions> = {}) {
  let calls = 0
  const hono = new Hono<JwksAuthEnv>()
  hono.use('/api/*', jwksAuth({ ...baseOptions(idp), ...options }))
  hono.get('/api/items', (c) => {
    calls += 1
    return c.json({ sub: c.get('auth').payload.sub })
  })
  hono.get('/api/admin', requireScopes('admin'), (c) => {
    calls += 1
    return c.json({ admin: true })
  })
  const send = (headers: Record<string, string>, init: { cf?: unknown; url?: string } = {}) => {
    const request = new Request(init.url ?? URL_, { headers })
    if (init.cf !== undefined) Object.defineProperty(request, 'cf', { value: init.cf })
    return hono.fetch(request)
  }
  return { send, calls: () => calls }
}

describe('Hono jwksAuth with DPoP (RFC 9449)', () => {
  let idp: TestIssuer
  let client: Awaited<ReturnType<typeof dpopClient>>
  let bound: string

  beforeAll(async () => {
    idp = await createTestIssuer()
    client = await dpopClient()
    bound = await idp.sign({ sub: 'alice', cnf: { jkt: client.jkt } })
  })

  it('lets a DPoP request with a proof from the dpop library through, once', async () => {
    const { send, calls } = app(idp, { dpop: {} })
    const proof = await client.proof(HTU, 'GET', bound)
    const ok = await send({ authorization: `DPoP ${bound}`, dpop: proof })
    expect(ok.status).toBe(200)
    expect(await ok.json()).toEqual({ sub: 'alice' })
    const replay = await send({ authorization: `DPoP ${bound}`, dpop: proof })
    expect(replay.status).toBe(401)
    expect(replay.headers.get('www-authenticate')).toBe(INVALID_PROOF)
    expect(await replay.json()).toEqual({
      error: 'invalid_dpop_proof',
      error_description: 'The DPoP proof is invalid',
    })
    expect(calls()).toBe(1)
  })

  it.each([
    ['no proof', async () => ({ authorization: `DPoP ${bound}` }), INVALID_PROOF],
    [
      'a proof for another method',
      async () => ({ authorization: `DPoP ${bound}`, dpop: await client.proof(HTU, 'POST', bound) }),
      INVALID_PROOF,
    ],
    [
      'a proof with a stale iat',
      async () => ({
        authorization: `DPoP ${bound}`,
        dpop: await client.forge(await proofClaims('GET', HTU, bound, Math.floor(Date.now() / 1000) - 120)),
      }),
      INVALID_PROOF,
    ],
    [
      'a proof by another key (jkt mismatch)',
      async () => ({
        authorization: `DPoP ${bound}`,
        dpop: await (await dpopClient()).proof(HTU, 'GET', bound),
      }),
      INVALID_TOKEN,
    ],
    [
      'an invalid token under the DPoP scheme',
      async () => {
        const expired = await idp.sign({ sub: 'alice', cnf: { jkt: client.jkt }, exp: 1 })
        return { authorization: `DPoP ${expired}`, dpop: await client.proof(HTU, 'GET', expired) }
      },
      INVALID_TOKEN,
    ],
    [
      'the DPoP-bound token sent as Bearer',
      async () => ({ authorization: `Bearer ${bound}` }),
      INVALID_TOKEN,
    ],
  ])('answers %s with 401 and never calls the handler', async (_, headers, challenge) => {
    const { send, calls } = app(idp, { dpop: {} })
    const response = await send(await headers())
    expect(response.status).toBe(401)
    expect(response.headers.get('www-authenticate')).toBe(challenge)
    expect(calls()).toBe(0)
  })

  it('answers a missing scope of a DPoP request with a DPoP insufficient_scope challenge', async () => {
    const { send, calls } = app(idp, { dpop: {} })
    const url = 'https://api.example.com/api/admin'
    const response = await send(
      { authorization: `DPoP ${bound}`, dpop: await client.proof(url, 'GET', bound) },
      { url },
    )
    expect(response.status).toBe(403)
    expect(response.headers.get('www-authenticate')).toBe(
      `DPoP realm="api", ${ALGS}, error="insufficient_scope", scope="admin"`,
    )
    expect(calls()).toBe(0)
  })

  it('refuses plain bearer tokens when DPoP-only, and offers only DPoP', async () => {
    const { send, calls } = app(idp, { dpop: { only: true } })
    const plain = await idp.sign({ sub: 'bob' })
    const response = await send({ authorization: `Bearer ${plain}` })
    expect(response.status).toBe(401)
    expect(response.headers.get('www-authenticate')).toBe(`DPoP realm="api", ${ALGS}`)
    expect(calls()).toBe(0)
  })

  it('asks for a nonce with use_dpop_nonce and DPoP-Nonce, then accepts it', async () => {
    const { send, calls } = app(idp, { dpop: { nonceSecrets: ['n'.repeat(32)] } })
    const first = await send({ authorization: `DPoP ${bound}`, dpop: await client.proof(HTU, 'GET', bound) })
    expect(first.status).toBe(401)
    expect(first.headers.get('www-authenticate')).toContain('error="use_dpop_nonce"')
    const nonce = first.headers.get('dpop-nonce') ?? ''
    expect(nonce).not.toBe('')
    const second = await send({
      authorization: `DPoP ${bound}`,
      dpop: await client.proof(HTU, 'GET', bound, nonce),
    })
    expect(second.status).toBe(200)
    expect(calls()).toBe(1)
  })

  it('fetches the JWKS once for all of it: proofs never cause a key fetch', async () => {
    const fresh = await createTestIssuer()
    const token = await fresh.sign({ cnf: { jkt: client.jkt } })
    const { send } = app(fresh, { dpop: {} })
    for (let i = 0; i < 3; i += 1) {
      await send({
        authorization: `DPoP ${token}`,
        dpop: await (await dpopClient()).proof(HTU, 'GET', token),
      })
    }
    expect(fresh.counts.jwks).toBe(1)
  })
})

describe('Hono jwksAuth with certificate-bound tokens (RFC 8705 §3)', () => {
  const FINGERPRINT = 'ab'.repeat(32)
  const X5T = 'q6urq6urq6urq6urq6urq6urq6urq6urq6urq6urq6s'
  const cf = (fingerprint: string) => ({
    tlsClientAuth: { certPresented: '1', certFingerprintSHA256: fingerprint },
  })

  it('accepts cnf x5t#S256 only with the matching request.cf.tlsClientAuth certificate', async () => {
    const idp = await createTestIssuer()
    const token = await idp.sign({ sub: 'svc', cnf: { 'x5t#S256': X5T } })
    const { send, calls } = app(idp)
    expect((await send({ authorization: `Bearer ${token}` }, { cf: cf(FINGERPRINT) })).status).toBe(200)
    const mismatch = await send({ authorization: `Bearer ${token}` }, { cf: cf('cd'.repeat(32)) })
    const missing = await send({ authorization: `Bearer ${token}` })
    for (const response of [mismatch, missing]) {
      expect(response.status).toBe(401)
      expect(response.headers.get('www-authenticate')).toBe(
        'Bearer realm="api", error="invalid_token", error_description="The access token is invalid"',
      )
    }
    expect(calls()).toBe(1)
  })
})
