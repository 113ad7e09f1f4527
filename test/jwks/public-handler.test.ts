import { describe, expect, it } from 'vitest'
import { MemoryKeySetStore } from '../../src/cache/key-set-store.js'
import {
  type PublicJwksHandlerOptions,
  type PublicJwksSource,
  publicJwksHandler,
} from '../../src/jwks/index.js'
import { createTestIssuer, type TestIssuerOptions } from '../../src/testing/index.js'
import { VerifierConfigError } from '../../src/verifier/config.js'
import { manualClock } from '../helpers/clock.js'
import { certificateMap } from '../helpers/providers.js'

const SELF = 'https://gateway.test/.well-known/jwks.json'
const MINUTE = 60_000
const HOUR = 60 * MINUTE
const PUBLIC_MEMBERS = new Set([
  'kty',
  'kid',
  'use',
  'alg',
  'key_ops',
  'n',
  'e',
  'crv',
  'x',
  'y',
  'x5c',
  'x5t',
  'x5t#S256',
])

type Jwks = { keys: Record<string, unknown>[] }

async function setup(
  options: { issuer?: TestIssuerOptions; handler?: Partial<PublicJwksHandlerOptions> } = {},
) {
  const clock = manualClock()
  const idp = await createTestIssuer({ now: clock.now, ...options.issuer })
  const handler = publicJwksHandler({
    sources: [idp.jwksUri],
    fetch: idp.fetch,
    now: clock.now,
    ...options.handler,
  })
  const pending: Promise<unknown>[] = []
  const get = (init?: RequestInit) =>
    handler(new Request(SELF, init), { waitUntil: (promise) => pending.push(promise) })
  /** Lets background refreshes finish, as Workers' waitUntil would. */
  const settle = () => Promise.all(pending.splice(0))
  return { clock, idp, handler, get, settle }
}

async function keysOf(response: Response): Promise<Record<string, unknown>[]> {
  return ((await response.json()) as Jwks).keys
}

describe('publicJwksHandler (docs/gateway.md#the-public-jwks-well-knownjwksjson)', () => {
  it('serves the source set as application/jwk-set+json with CORS, freshness and a strong ETag', async () => {
    const { idp, get } = await setup()
    const response = await get()
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toBe('application/jwk-set+json')
    expect(response.headers.get('access-control-allow-origin')).toBe('*')
    expect(response.headers.get('cache-control')).toBe('public, max-age=600')
    expect(response.headers.get('etag')).toMatch(/^"[A-Za-z0-9_-]{43}"$/)
    const keys = await keysOf(response)
    expect(keys.map((key) => key.kid)).toEqual(idp.keys.map((key) => key.kid))
    expect(idp.counts.jwks).toBe(1)
  })

  it('publishes only public members of asymmetric signing keys with an allowed alg, not denied, once', async () => {
    const es = await createTestIssuer({ algorithms: ['ES256', 'EdDSA'] })
    const { idp, get } = await setup({
      handler: { algorithms: ['RS256', 'ES256'], denyKids: ['denied'] },
    })
    const [rsaPrivate] = idp.privateJwks().keys
    const [ecPublic, edPublic] = es.publicJwks().keys
    idp.serveJwks({
      keys: [
        { ...rsaPrivate, 'x-custom': 1 },
        { ...rsaPrivate },
        { kty: 'oct', kid: 'hmac', k: 'c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0' },
        { ...ecPublic, kid: 'for-encryption', use: 'enc' },
        { ...ecPublic, kid: 'wrap-only', key_ops: ['wrapKey'] },
        { ...ecPublic, kid: 'denied' },
        { ...ecPublic, kid: 'es', x5c: ['MIIB'] },
        { ...edPublic, kid: 'eddsa-not-allowed' },
        { ...ecPublic, kid: 'named-hs', alg: 'HS256' },
        'not an object',
      ],
    })
    const keys = await keysOf(await get())
    expect(keys.map((key) => key.kid)).toEqual([rsaPrivate?.kid, 'es'])
    for (const key of keys) {
      for (const member of Object.keys(key)) expect(PUBLIC_MEMBERS.has(member), member).toBe(true)
      for (const secret of ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'])
        expect(key).not.toHaveProperty(secret)
    }
    expect(keys[1]).toMatchObject({ kty: 'EC', crv: 'P-256', x5c: ['MIIB'] })
  })

  it('merges several sources and deduplicates across them', async () => {
    const idp = await createTestIssuer()
    const other = await createTestIssuer({ issuer: 'https://other.test', algorithms: ['ES256'] })
    other.serveJwks({ keys: [...other.publicJwks().keys, ...idp.publicJwks().keys] })
    const handler = publicJwksHandler({
      sources: [idp.jwksUri, other.jwksUri],
      fetch: (input, init) =>
        new Request(input).url.startsWith(other.issuer) ? other.fetch(input, init) : idp.fetch(input, init),
    })
    const keys = await keysOf(await handler(new Request(SELF)))
    expect(keys.map((key) => key.kid)).toEqual([idp.keys[0]?.kid, other.keys[0]?.kid])
    expect(idp.counts.jwks + other.counts.jwks).toBe(2)
  })

  it('an issuer source is found by discovery', async () => {
    const idp = await createTestIssuer()
    const discovered = publicJwksHandler({ sources: [{ issuer: idp.issuer }], fetch: idp.fetch })
    expect((await discovered(new Request(SELF))).status).toBe(200)
    expect(idp.counts).toMatchObject({ discovery: 1, jwks: 1 })
  })

  it('a keyFormat x509-certificates source publishes the certificate map as a JWK Set; a stored copy is read back', async () => {
    const clock = manualClock()
    const idp = await createTestIssuer({ now: clock.now })
    idp.serveJwks(await certificateMap(idp))
    const options = {
      sources: [{ issuer: idp.issuer, jwksUri: idp.jwksUri, keyFormat: 'x509-certificates' as const }],
      fetch: idp.fetch,
      now: clock.now,
      store: new MemoryKeySetStore(clock.now),
    }
    const [key] = idp.publicJwks().keys
    const published = [{ kty: 'RSA', kid: key?.kid, use: 'sig', n: key?.n, e: key?.e }]
    const first = await publicJwksHandler(options)(new Request(SELF))
    expect(first.status).toBe(200)
    expect(await keysOf(first)).toEqual(published)
    await Promise.resolve()
    // Another instance adopts the stored copy, already a JWK Set, without asking the source.
    expect(await keysOf(await publicJwksHandler(options)(new Request(SELF)))).toEqual(published)
    expect(idp.counts).toMatchObject({ discovery: 0, jwks: 1 })
  })

  it('ETag: If-None-Match answers 304 without a body (strong, weak and * forms)', async () => {
    const { get } = await setup()
    const first = await get()
    const etag = first.headers.get('etag')!
    for (const header of [etag, `W/${etag}`, `"other", ${etag}`, '*']) {
      const response = await get({ headers: { 'if-none-match': header } })
      expect(response.status, header).toBe(304)
      expect(response.headers.get('etag')).toBe(etag)
      expect(response.headers.get('access-control-allow-origin')).toBe('*')
      expect(response.headers.get('cache-control')).toMatch(/^public, max-age=\d+$/)
      expect(await response.text()).toBe('')
    }
    expect((await get({ headers: { 'if-none-match': '"stale"' } })).status).toBe(200)
  })

  it('a new key set gets a new ETag', async () => {
    const { idp, clock, get, settle } = await setup()
    const before = (await get()).headers.get('etag')
    await idp.rotate()
    clock.advance(11 * MINUTE)
    // The stale set is served (with max-age=0) while the refresh runs in the background.
    const stale = await get()
    expect([stale.headers.get('etag'), stale.headers.get('cache-control')]).toEqual([
      before,
      'public, max-age=0',
    ])
    await settle()
    const after = await get()
    expect(after.headers.get('etag')).not.toBe(before)
    expect(await keysOf(after)).toHaveLength(2)
  })

  it('HEAD has the headers and no body; OPTIONS is a CORS preflight; POST is 405', async () => {
    const { get } = await setup()
    const head = await get({ method: 'HEAD' })
    expect(head.status).toBe(200)
    expect(head.headers.get('etag')).toBe((await get()).headers.get('etag'))
    expect(await head.text()).toBe('')
    const preflight = await get({ method: 'OPTIONS' })
    expect(preflight.status).toBe(204)
    expect(preflight.headers.get('access-control-allow-origin')).toBe('*')
    expect(preflight.headers.get('access-control-allow-methods')).toBe('GET, HEAD')
    const post = await get({ method: 'POST', body: '{}' })
    expect(post.status).toBe(405)
    expect(post.headers.get('allow')).toBe('GET, HEAD, OPTIONS')
  })
})

describe('freshness, failures and fetch counts', () => {
  it('one fetch while fresh; concurrent cold requests share one fetch', async () => {
    const { idp, get } = await setup()
    await Promise.all([get(), get(), get(), get(), get()])
    await get()
    expect(idp.counts.jwks).toBe(1)
  })

  it('Cache-Control max-age is the least remaining freshness of the sources', async () => {
    const fast = await createTestIssuer({ issuer: 'https://fast.test', maxAgeSeconds: 60 })
    const { idp, clock } = await setup()
    const route = (input: RequestInfo | URL, init?: RequestInit) =>
      new Request(input).url.startsWith(fast.issuer) ? fast.fetch(input, init) : idp.fetch(input, init)
    const handler = publicJwksHandler({ sources: [idp.jwksUri, fast.jwksUri], fetch: route, now: clock.now })
    expect((await handler(new Request(SELF))).headers.get('cache-control')).toBe('public, max-age=60')
    clock.advance(45_000)
    expect((await handler(new Request(SELF))).headers.get('cache-control')).toBe('public, max-age=15')
  })

  it('revalidates with the ETag once stale', async () => {
    const { idp, clock, get, settle } = await setup()
    await get()
    clock.advance(11 * MINUTE)
    expect((await get()).status).toBe(200)
    await settle()
    expect(idp.counts.jwks).toBe(2)
  })

  it('a failing source keeps its last good keys (max-age 0), with backoff between attempts', async () => {
    const { idp, clock, get, settle } = await setup()
    const kid = idp.keys[0]?.kid
    await get()
    idp.fail({ kind: 'status', status: 500 })
    clock.advance(11 * MINUTE)
    const stale = await get()
    await settle()
    expect(stale.status).toBe(200)
    expect(stale.headers.get('cache-control')).toBe('public, max-age=0')
    expect((await keysOf(stale)).map((key) => key.kid)).toEqual([kid])
    await get()
    await settle()
    expect(idp.counts.jwks).toBe(2)
    clock.advance(25 * HOUR)
    const expired = await get()
    expect(expired.status).toBe(503)
    expect(expired.headers.get('cache-control')).toBe('no-store')
    expect(Number(expired.headers.get('retry-after'))).toBeGreaterThanOrEqual(1)
  })

  it('bad sets are failed fetches, not an empty publication', async () => {
    for (const body of [
      '{',
      '{"keys":[]}',
      '{"nokeys":1}',
      JSON.stringify({ keys: Array(101).fill({ kty: 'RSA' }) }),
    ]) {
      const { idp, get } = await setup()
      idp.serveJwks(body)
      const response = await get()
      expect(response.status, body.slice(0, 20)).toBe(503)
      expect(await response.json()).toEqual({
        error: 'temporarily_unavailable',
        error_description: 'No key source is available',
      })
    }
  })

  it.each([
    ['huge body', { kind: 'huge', bytes: 300 * 1024 }],
    ['redirect', { kind: 'redirect', location: 'https://evil.test/jwks' }],
    ['hang past the timeout', { kind: 'hang' }],
  ] as const)('a source that fails the fetch limits (%s) is not used', async (_name, mode) => {
    const { idp, get } = await setup({ handler: { timeoutMs: 50 } })
    idp.fail(mode)
    expect((await get()).status).toBe(503)
    expect(idp.counts).toMatchObject({ jwks: 1, unexpected: 0 })
  })

  it('a refresh whose answer holds no publishable key is a failed fetch: the last good keys stay', async () => {
    const { idp, clock, get, settle } = await setup()
    const kid = idp.keys[0]?.kid
    await get()
    const [rsa] = idp.publicJwks().keys
    idp.serveJwks({
      keys: [
        { kty: 'oct', kid: 'hmac', k: 'c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0' },
        { ...rsa, kid: 'for-encryption', use: 'enc' },
      ],
    })
    clock.advance(11 * MINUTE)
    await get()
    await settle()
    const after = await get()
    expect(after.status).toBe(200)
    expect((await keysOf(after)).map((key) => key.kid)).toEqual([kid])
    expect(after.headers.get('cache-control')).toBe('public, max-age=0')
    expect(idp.counts.jwks).toBe(2)
  })

  it('a cold source whose answer holds no publishable key is unavailable, never an empty set', async () => {
    const { idp, get } = await setup({ handler: { algorithms: ['ES256'] } })
    expect(idp.keys.map((key) => key.alg)).toEqual(['RS256'])
    const response = await get()
    expect(response.status).toBe(503)
    expect(response.headers.get('cache-control')).toBe('no-store')
  })

  it("loop protection does not read the client's Host or absolute-form target", async () => {
    const { idp, handler } = await setup()
    // The client claims to be talking to the source's own host: the source is still fetched.
    for (const url of [`${idp.issuer}/.well-known/jwks.json`, SELF]) {
      const response = await handler(new Request(url))
      expect(response.status, url).toBe(200)
    }
    // Concurrent requests naming different hosts do not change each other's answer.
    const answers = await Promise.all(
      [idp.issuer, 'https://gateway.test', 'https://other.test'].map((origin) =>
        handler(new Request(`${origin}/.well-known/jwks.json`)),
      ),
    )
    expect(answers.map((answer) => answer.status)).toEqual([200, 200, 200])
  })

  it('a source that is this endpoint is refused on the hop back: no loop, one hop, 503', async () => {
    let calls = 0
    const self: (request: Request) => Promise<Response> = (request) => {
      calls += 1
      return handler(request)
    }
    const handler = publicJwksHandler({
      sources: ['https://gateway.test/.well-known/jwks.json'],
      fetch: (input, init) => self(new Request(input, init)),
    })
    const response = await self(new Request(SELF))
    expect(response.status).toBe(503)
    expect(calls).toBe(2)
  })

  it('two handlers sharing a store make one fetch', async () => {
    const { idp, clock } = await setup()
    const store = new MemoryKeySetStore(clock.now)
    const options = { sources: [idp.jwksUri], fetch: idp.fetch, now: clock.now, store }
    const first = publicJwksHandler(options)
    const second = publicJwksHandler(options)
    const a = await first(new Request(SELF))
    await Promise.resolve()
    const b = await second(new Request(SELF))
    expect(b.headers.get('etag')).toBe(a.headers.get('etag'))
    expect(idp.counts.jwks).toBe(1)
  })

  it('refuses bad options at construction', () => {
    expect(() => publicJwksHandler({ sources: [] })).toThrow(VerifierConfigError)
    expect(() => publicJwksHandler({ sources: ['http://keys.example.com/jwks'] })).toThrow(
      VerifierConfigError,
    )
    expect(() => publicJwksHandler({ sources: [{ issuer: 'not a url' }] })).toThrow(VerifierConfigError)
    const unknownFormat = { issuer: 'https://idp.example.com', keyFormat: 'pem' }
    expect(() => publicJwksHandler({ sources: [unknownFormat as unknown as PublicJwksSource] })).toThrow(
      expect.objectContaining({ name: 'VerifierConfigError', option: 'sources' }),
    )
  })
})
