import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import type { GatewayEnv } from '../../src/worker/env.js'
import { createGateway } from '../../src/worker/gateway.js'
import type { DurableObjectNamespaceLike } from '../../src/worker/stores/replay-durable-object.js'
import { dpopClient } from '../sender/support.js'
import { BODY, GATEWAY, type Harness, harness, send } from './support/gateway.js'

/** The real Durable Object namespace wrangler.toml binds, shared by every gateway of a test. */
const DPOP_REPLAY = (env as { DPOP_REPLAY: DurableObjectNamespaceLike }).DPOP_REPLAY
const ALGS = 'algs="RS256 RS384 RS512 PS256 PS384 PS512 ES256 ES384 ES512 EdDSA Ed25519"'
const INVALID_PROOF = `DPoP realm="api", ${ALGS}, error="invalid_dpop_proof", error_description="The DPoP proof is invalid"`
const INVALID_TOKEN = 'error="invalid_token", error_description="The access token is invalid"'

/** A gateway with DPoP on, its clock at real time (the dpop library stamps iat with Date.now). */
async function dpopHarness(vars: Partial<GatewayEnv> = {}) {
  const h = await harness({ vars: { DPOP: 'on', DPOP_REPLAY, ...vars } })
  h.clock.set(Date.now())
  const client = await dpopClient()
  const token = await h.idp.sign({ sub: 'alice', cnf: { jkt: client.jkt } })
  const headersFor = async (path: string, method = 'GET') => ({
    authorization: `DPoP ${token}`,
    dpop: await client.proof(`${GATEWAY}${path}`, method, token),
  })
  return { h, client, token, headersFor }
}

async function expectRefused(h: Harness, response: Response, challenge: string) {
  expect(response.status).toBe(401)
  expect(response.headers.get('www-authenticate')).toBe(challenge)
  expect(h.upstream.calls).toHaveLength(0)
}

describe('gateway with DPOP=on (RFC 9449)', () => {
  it('proxies a request with a proof from the dpop library, and refuses its replay', async () => {
    const { h, headersFor } = await dpopHarness()
    const headers = await headersFor('/orders')
    expect((await h.send('/orders?page=2', { headers })).status).toBe(200)
    expect(h.upstream.calls).toHaveLength(1)
    h.upstream.calls.length = 0
    await expectRefused(h, await h.send('/orders', { headers }), INVALID_PROOF)
    expect(h.idp.counts.jwks).toBe(1)
  })

  it('refuses a proof replayed on a second gateway instance sharing the Durable Object', async () => {
    const { h, headersFor } = await dpopHarness()
    const headers = await headersFor('/orders')
    expect((await h.send('/orders', { headers })).status).toBe(200)
    const other = createGateway({ fetch: h.idp.fetch, upstreamFetch: h.upstream.fetch, now: h.clock.now })
    h.upstream.calls.length = 0
    const replayed = await send(other, h.env, new Request(`${GATEWAY}/orders`, { headers }))
    await expectRefused(h, replayed, INVALID_PROOF)
  })

  it('builds htu from the URL it received: a proof for a spoofed X-Forwarded-Host fails', async () => {
    const { h, client, token } = await dpopHarness()
    const headers = {
      authorization: `DPoP ${token}`,
      dpop: await client.proof('https://victim.example/orders', 'GET', token),
      'x-forwarded-host': 'victim.example',
    }
    await expectRefused(h, await h.send('/orders', { headers }), INVALID_PROOF)
  })

  it('refuses the DPoP-bound token sent as Bearer', async () => {
    const { h, token } = await dpopHarness()
    const response = await h.send('/orders', { headers: { authorization: `Bearer ${token}` } })
    await expectRefused(h, response, `DPoP realm="api", ${ALGS}, ${INVALID_TOKEN}`)
  })

  it('DPOP=only refuses a plain bearer token with a DPoP challenge', async () => {
    const { h } = await dpopHarness({ DPOP: 'only' })
    const response = await h.send('/orders', { headers: await h.bearer() })
    await expectRefused(h, response, `DPoP realm="api", ${ALGS}`)
  })

  it('with DPOP_NONCE_SECRET asks for a nonce, then accepts the proof carrying it', async () => {
    const { h, client, token } = await dpopHarness({ DPOP_NONCE_SECRET: 'z'.repeat(32) })
    const first = await h.send('/orders', {
      headers: {
        authorization: `DPoP ${token}`,
        dpop: await client.proof(`${GATEWAY}/orders`, 'GET', token),
      },
    })
    expect(first.status).toBe(401)
    expect(first.headers.get('www-authenticate')).toContain('error="use_dpop_nonce"')
    const nonce = first.headers.get('dpop-nonce') ?? ''
    const dpop = await client.proof(`${GATEWAY}/orders`, 'GET', token, nonce)
    expect((await h.send('/orders', { headers: { authorization: `DPoP ${token}`, dpop } })).status).toBe(200)
  })
})

describe('gateway DPoP configuration', () => {
  it.each([
    [{ DPOP: 'on' }, 'DPOP_REPLAY'],
    [{ DPOP: 'maybe', DPOP_REPLAY }, 'DPOP'],
    [{ DPOP: 'on', DPOP_REPLAY, DPOP_ALGORITHMS: 'HS256' }, 'DPOP_ALGORITHMS'],
    [{ DPOP: 'on', DPOP_REPLAY, DPOP_IAT_WINDOW: '0' }, 'DPOP_IAT_WINDOW'],
    [{ DPOP: 'on', DPOP_REPLAY, DPOP_NONCE_SECRET: 'short' }, 'DPOP_NONCE_SECRET'],
    [{ DPOP_NONCE_SECRET: 'x'.repeat(32) }, 'DPOP_NONCE_SECRET'],
    [{ MTLS_CERT_HEADER: 'bad header' }, 'MTLS_CERT_HEADER'],
  ] as [Partial<GatewayEnv>, string][])('%o answers 500 and names %s', async (vars, variable) => {
    const h = await harness({ vars })
    const response = await h.send('/orders', { headers: await h.bearer() })
    expect(response.status).toBe(500)
    expect(await response.json()).toEqual(BODY.misconfigured)
    expect(h.logs.join('\n')).toContain(variable)
    expect(h.logs.join('\n')).not.toContain('x'.repeat(32))
  })
})

describe('gateway with certificate-bound tokens (RFC 8705 §3)', () => {
  const X5T = 'q6urq6urq6urq6urq6urq6urq6urq6urq6urq6urq6s'
  const tls = (fingerprint: string) => ({
    tlsClientAuth: { certPresented: '1', certFingerprintSHA256: fingerprint },
  })

  async function sendWithCf(h: Harness, headers: Record<string, string>, cf?: unknown) {
    const request = new Request(`${GATEWAY}/orders`, { headers })
    if (cf !== undefined) Object.defineProperty(request, 'cf', { value: cf })
    return send(h.gateway, h.env, request)
  }

  it('proxies only with the matching request.cf.tlsClientAuth certificate', async () => {
    const h = await harness()
    const headers = await h.bearer({ cnf: { 'x5t#S256': X5T } })
    expect((await sendWithCf(h, headers, tls('AB'.repeat(32)))).status).toBe(200)
    h.upstream.calls.length = 0
    for (const cf of [tls('cd'.repeat(32)), undefined]) {
      await expectRefused(h, await sendWithCf(h, headers, cf), `Bearer realm="api", ${INVALID_TOKEN}`)
    }
  })

  it('reads MTLS_CERT_HEADER only when it is set', async () => {
    const header = { 'x-client-cert-sha256': 'ab'.repeat(32) }
    const named = await harness({ vars: { MTLS_CERT_HEADER: 'X-Client-Cert-SHA256' } })
    expect(
      (
        await named.send('/orders', {
          headers: { ...(await named.bearer({ cnf: { 'x5t#S256': X5T } })), ...header },
        })
      ).status,
    ).toBe(200)
    const plain = await harness()
    const refused = await plain.send('/orders', {
      headers: { ...(await plain.bearer({ cnf: { 'x5t#S256': X5T } })), ...header },
    })
    await expectRefused(plain, refused, `Bearer realm="api", ${INVALID_TOKEN}`)
  })
})
