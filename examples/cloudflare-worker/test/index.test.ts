import { exports } from 'cloudflare:workers'
import { createTestIssuer, type TestIssuer } from 'jwks-gateway/testing'
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest'

// The Worker under test is src/index.ts with this folder's wrangler.toml. It runs in the test's
// isolate, so the global fetch stubbed here is the one it uses for the issuer and the origin.
const worker = (exports as unknown as { default: { fetch(request: Request): Promise<Response> } }).default

let idp: TestIssuer
const origin: Request[] = []

beforeAll(async () => {
  idp = await createTestIssuer({ issuer: 'https://idp.example.com', audience: 'https://api.example.com' })
})

function route(input: RequestInfo | URL, init?: RequestInit): Promise<Response> {
  const request = new Request(input, init)
  if (request.url.startsWith('https://origin.example.com/')) {
    origin.push(request)
    return Promise.resolve(Response.json({ from: 'origin' }))
  }
  return idp.fetch(request)
}

afterEach(() => {
  origin.length = 0
  vi.unstubAllGlobals()
})

describe('examples/cloudflare-worker', () => {
  it('forwards a verified request to the origin with the identity headers', async () => {
    vi.stubGlobal('fetch', route)
    const token = await idp.sign({ sub: 'alice', scope: 'orders:read' })
    const response = await worker.fetch(
      new Request('https://api.example.com/orders?page=2', {
        headers: { authorization: `Bearer ${token}`, 'x-auth-subject': 'mallory' },
      }),
    )
    expect(response.status).toBe(200)
    expect(await response.json()).toEqual({ from: 'origin' })
    expect(origin.map((r) => r.url)).toEqual(['https://origin.example.com/orders?page=2'])
    expect(origin[0]?.headers.get('x-auth-subject')).toBe('alice')
  })

  it('answers 401 without a token and 403 without the scope, never reaching the origin', async () => {
    vi.stubGlobal('fetch', route)
    const missing = await worker.fetch(new Request('https://api.example.com/orders'))
    expect(missing.status).toBe(401)
    expect(missing.headers.get('www-authenticate')).toBe('Bearer realm="orders-api"')
    const token = await idp.sign({ sub: 'bob', scope: 'profile' })
    const scoped = await worker.fetch(
      new Request('https://api.example.com/orders', { headers: { authorization: `Bearer ${token}` } }),
    )
    expect(scoped.status).toBe(403)
    expect(origin).toHaveLength(0)
  })

  it('serves /status without a token, and /healthz and the public JWKS itself', async () => {
    vi.stubGlobal('fetch', route)
    expect((await worker.fetch(new Request('https://api.example.com/status'))).status).toBe(200)
    expect((await worker.fetch(new Request('https://api.example.com/healthz'))).status).toBe(200)
    const jwks = await worker.fetch(new Request('https://api.example.com/.well-known/jwks.json'))
    expect(jwks.headers.get('content-type')).toBe('application/jwk-set+json')
    expect(((await jwks.json()) as { keys: unknown[] }).keys).toHaveLength(1)
  })
})
