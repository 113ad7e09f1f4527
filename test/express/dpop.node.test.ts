import { X509Certificate } from 'node:crypto'
import { once } from 'node:events'
import { request as httpRequest } from 'node:http'
import { createServer as createHttpsServer } from 'node:https'
import type { AddressInfo } from 'node:net'
import express from 'express'
import { calculateJwkThumbprint, exportJWK } from 'jose'
import * as oauth from 'oauth4webapi'
import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import { type JwksAuthOptions, jwksAuth, requireScopes } from '../../src/express/index.js'
import { createTestIssuer, type TestIssuer } from '../../src/testing/index.js'
import { baseOptions, type Listening, listen } from '../middleware/support/express-app.js'
import {
  clientX5t,
  expectOnlyClientCertificatePasses,
  mtlsFixture,
  tlsServerOptions,
} from '../middleware/support/mtls.js'
import { dpopClient } from '../sender/support.js'

function appWith(idp: TestIssuer, options: Partial<JwksAuthOptions>) {
  const seen: string[] = []
  const app = express()
  app.use(jwksAuth({ ...baseOptions(idp), ...options }))
  app.get('/items', (req, res) => {
    seen.push(req.originalUrl)
    res.json({ ok: true })
  })
  return { app, seen }
}

describe('Express jwksAuth with DPoP over a real socket', () => {
  let idp: TestIssuer
  let client: Awaited<ReturnType<typeof dpopClient>>
  let token: string
  let server: Listening | undefined

  beforeAll(async () => {
    idp = await createTestIssuer()
    client = await dpopClient()
    token = await idp.sign({ sub: 'alice', cnf: { jkt: client.jkt } })
  })
  afterEach(async () => {
    await server?.close()
    server = undefined
  })

  it('accepts a proof for the URL the server received, once', async () => {
    const { app, seen } = appWith(idp, { dpop: {} })
    server = await listen(app)
    const headers = {
      authorization: `DPoP ${token}`,
      dpop: await client.proof(`${server.url}/items`, 'GET', token),
    }
    expect((await fetch(`${server.url}/items?x=1`, { headers })).status).toBe(200)
    const replay = await fetch(`${server.url}/items`, { headers })
    expect(replay.status).toBe(401)
    expect(replay.headers.get('www-authenticate')).toContain('error="invalid_dpop_proof"')
    expect(seen).toEqual(['/items?x=1'])
  })

  it('serves oauth4webapi end to end: it retries with the DPoP-Nonce it is asked for and gets through', async () => {
    const keyPair = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, [
      'sign',
      'verify',
    ])
    const jkt = await calculateJwkThumbprint(await exportJWK(keyPair.publicKey), 'sha256')
    const bound = await idp.sign({ sub: 'carol', cnf: { jkt } })
    const { app, seen } = appWith(idp, { dpop: { nonceSecrets: ['o'.repeat(32)] } })
    server = await listen(app)
    const DPoP = oauth.DPoP({}, keyPair)
    const target = new URL(`${server.url}/items`)
    const call = () =>
      oauth.protectedResourceRequest(bound, 'GET', target, undefined, undefined, {
        DPoP,
        [oauth.allowInsecureRequests]: true,
      })
    const first = await call().catch((error: unknown) => error)
    expect(oauth.isDPoPNonceError(first)).toBe(true)
    const second = await call()
    expect(second.status).toBe(200)
    expect(seen).toEqual(['/items'])
  })

  it('answers a missing scope of a DPoP request with a DPoP insufficient_scope challenge', async () => {
    const app = express()
    app.use(jwksAuth({ ...baseOptions(idp), dpop: {} }))
    app.get('/admin', requireScopes('admin'), (_req, res) => res.json({ admin: true }))
    server = await listen(app)
    const headers = {
      authorization: `DPoP ${token}`,
      dpop: await client.proof(`${server.url}/admin`, 'GET', token),
    }
    const response = await fetch(`${server.url}/admin`, { headers })
    expect(response.status).toBe(403)
    expect(response.headers.get('www-authenticate')).toMatch(
      /^DPoP realm="api", algs="[^"]+", error="insufficient_scope", scope="admin"$/,
    )
  })

  it('ignores a spoofed X-Forwarded-Host, even under trust proxy, unless DPoP trusts it', async () => {
    const spoofedProof = async () => client.proof('https://victim.example/items', 'GET', token)
    const plain = appWith(idp, { dpop: {} })
    plain.app.set('trust proxy', true)
    server = await listen(plain.app)
    const spoof = { 'x-forwarded-host': 'victim.example', 'x-forwarded-proto': 'https' }
    const refused = await fetch(`${server.url}/items`, {
      headers: { authorization: `DPoP ${token}`, dpop: await spoofedProof(), ...spoof },
    })
    expect(refused.status).toBe(401)
    expect(refused.headers.get('www-authenticate')).toContain('error="invalid_dpop_proof"')
    expect(plain.seen).toEqual([])
    await server.close()
    const trusting = appWith(idp, { dpop: { trustForwardedHeaders: true } })
    server = await listen(trusting.app)
    const accepted = await fetch(`${server.url}/items`, {
      headers: { authorization: `DPoP ${token}`, dpop: await spoofedProof(), ...spoof },
    })
    expect(accepted.status).toBe(200)
  })

  it('refuses two DPoP header lines, which Node would join', async () => {
    const { app, seen } = appWith(idp, { dpop: {} })
    server = await listen(app)
    const { url } = server
    const proofs = [
      await client.proof(`${url}/items`, 'GET', token),
      await client.proof(`${url}/items`, 'GET', token),
    ]
    const { status, challenge } = await rawGet(url, { authorization: `DPoP ${token}`, dpop: proofs })
    expect(status).toBe(401)
    expect(challenge).toContain('error="invalid_dpop_proof"')
    expect(seen).toEqual([])
  })
})

/** A GET whose header lines are sent as given: an array value is sent as repeated lines. */
async function rawGet(base: string, headers: Record<string, string | string[]>) {
  return new Promise<{ status: number; challenge: string }>((resolve, reject) => {
    const req = httpRequest(`${base}/items`, (res) => {
      res.resume()
      resolve({ status: res.statusCode ?? 0, challenge: String(res.headers['www-authenticate'] ?? '') })
    })
    for (const [name, value] of Object.entries(headers)) req.setHeader(name, value)
    req.on('error', reject)
    req.end()
  })
}

describe('Express jwksAuth with certificate-bound tokens over real TLS (RFC 8705 §3)', () => {
  let server: { url: string; close(): Promise<void> } | undefined
  afterEach(async () => {
    await server?.close()
    server = undefined
  })

  async function serveTls(app: express.Express) {
    const tls = createHttpsServer(tlsServerOptions(), app)
    tls.listen(0, '127.0.0.1')
    await once(tls, 'listening')
    const { port } = tls.address() as AddressInfo
    server = {
      url: `https://127.0.0.1:${port}`,
      async close() {
        tls.closeAllConnections()
        tls.close()
        await once(tls, 'close')
      },
    }
    return server.url
  }

  it('accepts cnf x5t#S256 with the matching client certificate only', async () => {
    const idp = await createTestIssuer()
    const x5t = await clientX5t()
    const token = await idp.sign({ sub: 'svc', cnf: { 'x5t#S256': x5t } })
    const { app, seen } = appWith(idp, {})
    const url = await serveTls(app)
    await expectOnlyClientCertificatePasses(url, token)
    expect(seen).toHaveLength(1)
  })

  it('reads the thumbprint from a trusted terminator’s header only when named', async () => {
    const idp = await createTestIssuer()
    const x5t = await clientX5t()
    const token = await idp.sign({ sub: 'svc', cnf: { 'x5t#S256': x5t } })
    const named = appWith(idp, { mtls: { thumbprintHeader: 'X-Client-Cert-SHA256' } })
    const plain = appWith(idp, {})
    const a = await listen(named.app)
    const b = await listen(plain.app)
    try {
      const fingerprint = new X509Certificate(mtlsFixture('client.crt')).fingerprint256
      const headers = { authorization: `Bearer ${token}`, 'x-client-cert-sha256': fingerprint }
      expect((await fetch(`${a.url}/items`, { headers })).status).toBe(200)
      expect((await fetch(`${b.url}/items`, { headers })).status).toBe(401)
    } finally {
      await a.close()
      await b.close()
    }
  })
})
