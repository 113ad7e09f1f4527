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
      body: JSON.stringify({ claims: { sub: 'carol' } }),
    })
    const { access_token: token } = (await response.json()) as { access_token: string }
    const { payload } = await jwtVerify(token, createLocalJWKSet(server.issuer.publicJwks()))
    expect(payload.sub).toBe('carol')
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
