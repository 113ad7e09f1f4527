import { request as httpRequest } from 'node:http'
import { createLocalJWKSet, jwtVerify } from 'jose'
import { afterEach, describe, expect, it } from 'vitest'
import { startTestIssuerServer, type TestIssuerServer } from '../../src/testing/node.js'

let server: TestIssuerServer | undefined
afterEach(async () => {
  await server?.close()
  server = undefined
})

describe('startTestIssuerServer', () => {
  it('serves discovery and JWKS over HTTP on 127.0.0.1', async () => {
    server = await startTestIssuerServer({ algorithms: ['ES256'] })
    const { issuer, url } = server
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
    expect(issuer.issuer).toBe(url)
    const doc = (await (await fetch(`${url}/.well-known/openid-configuration`)).json()) as Record<
      string,
      unknown
    >
    expect(doc).toMatchObject({ issuer: url, jwks_uri: `${url}/.well-known/jwks.json` })
    const response = await fetch(issuer.jwksUri)
    expect(response.headers.get('content-type')).toBe('application/jwk-set+json')
    expect(response.headers.get('cache-control')).toBe('public, max-age=600')
    const jwks = (await response.json()) as { keys: [] }
    expect(jwks).toEqual(issuer.publicJwks())
    const token = await issuer.sign()
    const { payload } = await jwtVerify(token, createLocalJWKSet(jwks), {
      issuer: url,
      audience: issuer.audience,
    })
    expect(payload.sub).toBe('user-1')

    const etag = response.headers.get('etag')!
    const revalidated = await fetch(issuer.jwksUri, { headers: { 'if-none-match': etag } })
    expect(revalidated.status).toBe(304)
    expect(issuer.counts).toEqual({ discovery: 1, jwks: 2, unexpected: 0, admin: 0 })
  })

  it('streams request bodies to the admin routes', async () => {
    server = await startTestIssuerServer({ admin: true })
    const response = await fetch(`${server.url}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ claims: { sub: 'carol' } }),
    })
    const { access_token: token } = (await response.json()) as { access_token: string }
    const { payload } = await jwtVerify(token, createLocalJWKSet(server.issuer.publicJwks()))
    expect(payload.sub).toBe('carol')
  })

  it.each([
    ['no Content-Type', {}],
    ['text/plain', { 'content-type': 'text/plain' }],
    ['a form', { 'content-type': 'application/x-www-form-urlencoded' }],
    ['multipart', { 'content-type': 'multipart/form-data; boundary=x' }],
    ['JSON-looking text/plain', { 'content-type': 'text/plain; application/json' }],
  ])(
    'refuses a cross-site "simple" POST (%s) to every admin route: 415, nothing done',
    async (_, headers) => {
      server = await startTestIssuerServer({ admin: true })
      const { issuer, url } = server
      const kids = issuer.keys
      for (const [route, body] of [
        ['token', '{"claims":{"sub":"mallory"}}'],
        ['rotate', '{}'],
        ['fail', '{"mode":{"kind":"down"},"target":"all"}'],
      ] as const) {
        const response = await fetch(`${url}/${route}`, { method: 'POST', headers, body })
        expect(response.status, route).toBe(415)
        expect(await response.json()).toEqual({
          error: 'invalid_request',
          error_description: 'admin routes take Content-Type: application/json',
        })
        expect(response.headers.has('access-control-allow-origin')).toBe(false)
      }
      expect(issuer.keys).toEqual(kids)
      expect((await fetch(issuer.jwksUri)).status).toBe(200)
    },
  )

  it('accepts application/json with parameters and in any case', async () => {
    server = await startTestIssuerServer({ admin: true })
    for (const type of ['application/json; charset=utf-8', 'Application/JSON']) {
      const response = await fetch(`${server.url}/token`, {
        method: 'POST',
        headers: { 'content-type': type },
        body: '{}',
      })
      expect(response.status, type).toBe(200)
    }
  })

  /** A raw request with exactly the Host lines given (fetch always sends its own). */
  function withHosts(url: string, path: string, hosts: readonly string[], method = 'GET') {
    const target = new URL(url)
    return new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = httpRequest(
        { host: target.hostname, port: target.port, path, method, setHost: false, agent: false },
        (res) => {
          let body = ''
          res.on('data', (chunk: Buffer) => {
            body += chunk.toString()
          })
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }))
        },
      )
      if (hosts.length > 0) req.setHeader('host', [...hosts])
      if (method === 'POST') req.setHeader('content-type', 'application/json')
      req.on('error', reject)
      req.end(method === 'POST' ? '{}' : undefined)
    })
  }

  it.each([
    ['a rebinding name', ['attacker.example']],
    ['a rebinding name with the port', ['attacker.example:8788']],
    ['userinfo in front of loopback', ['attacker.example@127.0.0.1']],
    ['a LAN address', ['192.168.1.10']],
    ['0.0.0.0', ['0.0.0.0']],
    ['localhost under another domain', ['localhost.attacker.example']],
    ['two Host lines', ['127.0.0.1', 'attacker.example']],
  ])('refuses %s as Host (DNS rebinding) on every route: 421', async (_, hosts) => {
    server = await startTestIssuerServer({ admin: true })
    const { issuer, url } = server
    const kids = issuer.keys
    for (const [path, method] of [
      ['/.well-known/openid-configuration', 'GET'],
      ['/.well-known/jwks.json', 'GET'],
      ['/token', 'POST'],
      ['/rotate', 'POST'],
      ['/fail', 'POST'],
    ] as const) {
      const { status, body } = await withHosts(url, path, hosts, method)
      expect(status, path).toBe(421)
      expect(body).not.toContain('eyJ')
    }
    expect(issuer.keys).toEqual(kids)
    expect(issuer.counts).toEqual({ discovery: 0, jwks: 0, unexpected: 0, admin: 0 })
  })

  it('answers loopback Host names: 127.0.0.1, localhost and [::1], with or without the port', async () => {
    server = await startTestIssuerServer({ admin: true })
    const { port } = new URL(server.url)
    for (const host of [
      '127.0.0.1',
      `127.0.0.1:${port}`,
      `localhost:${port}`,
      'LOCALHOST',
      `[::1]:${port}`,
    ]) {
      expect((await withHosts(server.url, '/.well-known/jwks.json', [host])).status, host).toBe(200)
      expect((await withHosts(server.url, '/token', [host], 'POST')).status, host).toBe(200)
    }
  })

  it('drops the connection in down mode', async () => {
    server = await startTestIssuerServer()
    server.issuer.fail({ kind: 'down' })
    const error = await fetch(server.issuer.jwksUri).catch((e: unknown) => e)
    expect(error).toMatchObject({ name: 'TypeError', message: 'fetch failed' })
    expect(server.issuer.counts.jwks).toBe(1)
  })

  it('serves failure modes over the socket: status and huge', async () => {
    server = await startTestIssuerServer()
    server.issuer.fail({ kind: 'rate-limited', retryAfterSeconds: 9 })
    const limited = await fetch(server.issuer.jwksUri)
    expect([limited.status, limited.headers.get('retry-after')]).toEqual([429, '9'])
    await limited.arrayBuffer()
    server.issuer.fail({ kind: 'huge', bytes: 1_000_003 })
    const huge = await fetch(server.issuer.jwksUri)
    expect((await huge.arrayBuffer()).byteLength).toBe(1_000_003)
  })

  it('aborts a hanging request when the client disconnects', async () => {
    server = await startTestIssuerServer()
    server.issuer.fail({ kind: 'hang' })
    const controller = new AbortController()
    const pending = fetch(server.issuer.jwksUri, { signal: controller.signal })
    await new Promise((r) => setTimeout(r, 5))
    controller.abort()
    await expect(pending).rejects.toMatchObject({ name: 'AbortError' })
    expect(server.issuer.counts.jwks).toBe(1)
  })

  it('sends drip headers at once and stops dripping when the client cancels', async () => {
    server = await startTestIssuerServer()
    const timers = (): number => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length
    const before = timers()
    server.issuer.fail({ kind: 'drip', intervalMs: 30 })
    const response = await fetch(server.issuer.jwksUri)
    expect(response.status).toBe(200)
    const reader = response.body!.getReader()
    const first = await reader.read()
    expect(new TextDecoder().decode(first.value)).toBe('{')
    await reader.cancel()
    // The server notices the disconnect asynchronously; its drip timer must then be gone.
    for (let i = 0; i < 10 && timers() > before; i++) await new Promise((r) => setTimeout(r, 2))
    expect(timers()).toBeLessThanOrEqual(before)
  })

  it('close() ends open connections (hanging and dripping) promptly', async () => {
    server = await startTestIssuerServer()
    const { issuer } = server
    issuer.fail({ kind: 'hang' }, 'discovery')
    issuer.fail({ kind: 'drip', intervalMs: 5 }, 'jwks')
    const hanging = fetch(`${server.url}/.well-known/openid-configuration`).catch((e: unknown) => e)
    const dripping = await fetch(issuer.jwksUri)
    const body = dripping.text().catch((e: unknown) => e)
    // A raw keep-alive socket too: close() must not wait for idle connections either.
    await new Promise<void>((resolve) => {
      httpRequest(
        `${server!.url}/nothing`,
        { agent: false, headers: { connection: 'keep-alive' } },
        (res) => {
          res.resume()
          resolve()
        },
      ).end()
    })
    const started = Date.now()
    await server.close()
    expect(Date.now() - started).toBeLessThan(1000)
    expect(await hanging).toMatchObject({ message: 'fetch failed' })
    expect(await body).toBeInstanceOf(TypeError)
    expect(issuer.counts).toEqual({ discovery: 1, jwks: 1, unexpected: 1, admin: 0 })
    await expect(fetch(issuer.jwksUri)).rejects.toThrow('fetch failed')
  })

  it('listens on the requested port', async () => {
    const probe = await startTestIssuerServer()
    const port = Number(new URL(probe.url).port)
    await probe.close()
    server = await startTestIssuerServer({ port })
    expect(server.url).toBe(`http://127.0.0.1:${port}`)
    expect((await fetch(`${server.url}/.well-known/jwks.json`)).status).toBe(200)
  })
})
