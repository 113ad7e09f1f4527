import { describe, expect, it } from 'vitest'
import { createTestIssuer, type FailureMode } from '../../src/testing/index.js'

const DISCOVERY = 'https://issuer.test/.well-known/openid-configuration'
const decoder = new TextDecoder()

/** Reads `n` chunks from a stream and returns them as text. */
async function readChunks(reader: ReadableStreamDefaultReader<Uint8Array>, n: number): Promise<string[]> {
  const chunks: string[] = []
  for (let i = 0; i < n; i++) {
    const { value, done } = await reader.read()
    if (done) break
    chunks.push(decoder.decode(value))
  }
  return chunks
}

describe('failure modes', () => {
  it('down: fetch rejects like a refused connection, handle() answers 503', async () => {
    const issuer = await createTestIssuer()
    issuer.fail({ kind: 'down' })
    const error = await issuer.fetch(issuer.jwksUri).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(TypeError)
    expect(error).toMatchObject({ message: 'fetch failed', cause: { code: 'ECONNREFUSED' } })
    expect((await issuer.handle(new Request(issuer.jwksUri))).status).toBe(503)
    // Discovery is a separate target and still healthy.
    expect((await issuer.fetch(DISCOVERY)).status).toBe(200)
    expect(issuer.counts).toEqual({ discovery: 1, jwks: 2, unexpected: 0, admin: 0 })
  })

  it('hang: never answers, rejects with the reason once the signal aborts', async () => {
    const issuer = await createTestIssuer()
    issuer.fail({ kind: 'hang' })
    const controller = new AbortController()
    const pending = issuer.fetch(issuer.jwksUri, { signal: controller.signal })
    const outcome = await Promise.race([
      pending.then(() => 'answered'),
      new Promise((r) => setTimeout(r, 5, 'pending')),
    ])
    expect(outcome).toBe('pending')
    const reason = new Error('client timeout')
    controller.abort(reason)
    await expect(pending).rejects.toBe(reason)
    expect(issuer.counts.jwks).toBe(1)
  })

  it('hang: handle() settles through request.signal', async () => {
    const issuer = await createTestIssuer()
    issuer.fail({ kind: 'hang' }, 'discovery')
    const pending = issuer.handle(new Request(DISCOVERY, { signal: AbortSignal.timeout(5) }))
    await expect(pending).rejects.toMatchObject({ name: 'TimeoutError' })
  })

  it('slow: answers normally after the delay, or rejects on abort without waiting', async () => {
    const issuer = await createTestIssuer()
    issuer.fail({ kind: 'slow', delayMs: 10 })
    const response = await issuer.fetch(issuer.jwksUri)
    expect(await response.json()).toEqual(issuer.publicJwks())

    issuer.fail({ kind: 'slow', delayMs: 60_000 })
    const controller = new AbortController()
    const pending = issuer.fetch(issuer.jwksUri, { signal: controller.signal })
    controller.abort()
    await expect(pending).rejects.toMatchObject({ name: 'AbortError' })
    expect(issuer.counts.jwks).toBe(2)
  })

  it('drip: headers at once, then one byte per interval, cancellable', async () => {
    const issuer = await createTestIssuer()
    issuer.fail({ kind: 'drip', intervalMs: 1 })
    const response = await issuer.fetch(issuer.jwksUri)
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toBe('application/jwk-set+json')
    const reader = response.body!.getReader()
    expect(await readChunks(reader, 9)).toEqual(['{', '"', 'k', 'e', 'y', 's', '"', ':', '['])
    await reader.cancel()
    expect(await reader.read()).toEqual({ done: true, value: undefined })
  })

  it('drip: aborting the request errors the body', async () => {
    const issuer = await createTestIssuer()
    issuer.fail({ kind: 'drip', intervalMs: 60_000 }, 'discovery')
    const controller = new AbortController()
    const response = await issuer.fetch(DISCOVERY, { signal: controller.signal })
    expect(response.headers.get('content-type')).toBe('application/json')
    const reader = response.body!.getReader()
    const read = reader.read()
    const reason = new Error('stop')
    controller.abort(reason)
    await expect(read).rejects.toBe(reason)
  })

  it('status: any status, headers and body; null-body statuses get none', async () => {
    const issuer = await createTestIssuer()
    issuer.fail({ kind: 'status', status: 500, body: 'boom' })
    const error = await issuer.fetch(issuer.jwksUri)
    expect([error.status, await error.text(), error.headers.get('content-type')]).toEqual([
      500,
      'boom',
      'text/plain',
    ])

    issuer.fail({ kind: 'status', status: 204, body: 'ignored' })
    const empty = await issuer.fetch(issuer.jwksUri)
    expect([empty.status, await empty.text()]).toEqual([204, ''])

    issuer.fail({ kind: 'status', status: 503, headers: { 'retry-after': '7' } })
    expect((await issuer.fetch(issuer.jwksUri)).headers.get('retry-after')).toBe('7')

    issuer.fail({ kind: 'status', status: 301, headers: { location: '/.well-known/openid-configuration' } })
    const moved = await issuer.fetch(issuer.jwksUri, { redirect: 'manual' })
    expect([moved.status, moved.headers.get('location')]).toEqual([301, '/.well-known/openid-configuration'])
    expect(issuer.counts.jwks).toBe(4)
  })

  it('rate-limited: 429 with Retry-After', async () => {
    const issuer = await createTestIssuer()
    issuer.fail({ kind: 'rate-limited', retryAfterSeconds: 30 })
    const response = await issuer.fetch(issuer.jwksUri)
    expect([response.status, response.headers.get('retry-after')]).toEqual([429, '30'])
  })

  it('bad-json: 200 application/json that is not a JWKS', async () => {
    const issuer = await createTestIssuer()
    issuer.fail({ kind: 'bad-json' })
    const response = await issuer.fetch(issuer.jwksUri)
    expect([response.status, response.headers.get('content-type'), await response.text()]).toEqual([
      200,
      'application/json',
      '{',
    ])
    issuer.fail({ kind: 'bad-json', body: '{"keys":[]}' })
    expect(await (await issuer.fetch(issuer.jwksUri)).text()).toBe('{"keys":[]}')
  })

  it('huge: streams exactly N bytes of JSON-looking content, in chunks', async () => {
    const issuer = await createTestIssuer()
    const bytes = 300_007
    issuer.fail({ kind: 'huge', bytes })
    const response = await issuer.fetch(issuer.jwksUri)
    expect(response.headers.has('content-length')).toBe(false)
    const reader = response.body!.getReader()
    let total = 0
    let chunks = 0
    let text = ''
    for (;;) {
      const { value, done } = await reader.read()
      if (done) break
      total += value.byteLength
      chunks++
      text += decoder.decode(value)
    }
    expect(total).toBe(bytes)
    expect(chunks).toBeGreaterThan(1)
    const parsed = JSON.parse(text) as { keys: { kty: string; n: string }[] }
    expect(parsed.keys[0]?.kty).toBe('RSA')
  })

  it('huge: declares its length on request, handles tiny sizes, and can be cancelled', async () => {
    const issuer = await createTestIssuer()
    issuer.fail({ kind: 'huge', bytes: 5, declareLength: true })
    const small = await issuer.fetch(issuer.jwksUri)
    expect(small.headers.get('content-length')).toBe('5')
    expect(await small.text()).toBe('{"key')

    issuer.fail({ kind: 'huge', bytes: 2 ** 40 })
    const reader = (await issuer.fetch(issuer.jwksUri)).body!.getReader()
    const first = await reader.read()
    expect(first.value?.byteLength).toBe(64 * 1024)
    await reader.cancel()
  })

  it('redirect: 302 by default; followed like fetch unless manual, refused with redirect "error"', async () => {
    const issuer = await createTestIssuer()
    issuer.fail({ kind: 'redirect', location: DISCOVERY })
    const manual = await issuer.fetch(issuer.jwksUri, { redirect: 'manual' })
    expect([manual.status, manual.headers.get('location')]).toEqual([302, DISCOVERY])

    const followed = await issuer.fetch(issuer.jwksUri)
    expect(await followed.json()).toMatchObject({ issuer: 'https://issuer.test' })

    issuer.fail({ kind: 'redirect', location: 'https://attacker.test/jwks', status: 308 })
    await expect(issuer.fetch(issuer.jwksUri)).rejects.toThrow('fetch failed')
    expect(issuer.counts).toEqual({ discovery: 1, jwks: 3, unexpected: 1, admin: 0 })
    // Node rejects 'fetch failed' on the redirect; workerd refuses redirect: 'error' up front.
    await expect(issuer.fetch(issuer.jwksUri, { redirect: 'error' })).rejects.toThrow(TypeError)
  })

  it('targets jwks by default, discovery or all on request; fail(null) heals everything', async () => {
    const issuer = await createTestIssuer()
    const statuses = async (): Promise<number[]> => [
      (await issuer.fetch(DISCOVERY)).status,
      (await issuer.fetch(issuer.jwksUri)).status,
    ]
    issuer.fail({ kind: 'status', status: 500 }, 'discovery')
    expect(await statuses()).toEqual([500, 200])
    issuer.fail({ kind: 'status', status: 502 }, 'all')
    expect(await statuses()).toEqual([502, 502])
    issuer.fail(null, 'jwks')
    expect(await statuses()).toEqual([502, 200])
    issuer.fail({ kind: 'status', status: 503 })
    expect(await statuses()).toEqual([502, 503])
    issuer.fail(null)
    expect(await statuses()).toEqual([200, 200])
    expect(issuer.counts).toEqual({ discovery: 5, jwks: 5, unexpected: 0, admin: 0 })
  })

  it('rejects invalid modes', async () => {
    const issuer = await createTestIssuer()
    const invalid = [
      { kind: 'status', status: 99 },
      { kind: 'slow', delayMs: -1 },
      { kind: 'drip', intervalMs: 0 },
      { kind: 'huge', bytes: 1.5 },
      { kind: 'explode' },
    ] as unknown as FailureMode[]
    for (const mode of invalid) expect(() => issuer.fail(mode)).toThrow(TypeError)
    expect(() => issuer.fail({ kind: 'down' }, 'admin' as 'all')).toThrow(TypeError)
    expect((await issuer.fetch(issuer.jwksUri)).status).toBe(200)
  })
})
