import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { claimHeaderValue } from '../../src/worker/claim-header-value.js'
import { BODY, type Harness, harness, UPSTREAM } from './support/gateway.js'

function onlyCall(h: Harness) {
  expect(h.upstream.calls).toHaveLength(1)
  return h.upstream.calls[0]!
}

describe('proxying verified requests to UPSTREAM', () => {
  it('keeps method, normalised path and query, and hands the upstream answer back', async () => {
    const h = await harness()
    const response = await h.send('/orders/42?expand=items&x=%20y', { headers: await h.bearer() })
    expect(response.status).toBe(200)
    expect(response.headers.get('x-upstream')).toBe('yes')
    expect(await response.json()).toEqual({ upstream: true })
    const call = onlyCall(h)
    expect(call.method).toBe('GET')
    expect(call.url).toBe(`${UPSTREAM}/orders/42?expand=items&x=%20y`)
    expect(call.redirect).toBe('manual')
  })

  it.each(['POST', 'PUT', 'PATCH', 'DELETE'])('%s with a body', async (method) => {
    const h = await harness()
    const response = await h.send('/orders', {
      method,
      body: JSON.stringify({ item: 'book' }),
      headers: { ...(await h.bearer()), 'content-type': 'application/json' },
    })
    expect(response.status).toBe(200)
    const call = onlyCall(h)
    expect(call.method).toBe(method)
    expect(call.body).toBe('{"item":"book"}')
    expect(call.headers.get('content-type')).toBe('application/json')
  })

  it('streams the request body: the upstream reads the first chunk before the client sends the last', async () => {
    const encoder = new TextEncoder()
    let sendRest: () => void = () => undefined
    const restSent = new Promise<void>((resolve) => {
      sendRest = resolve
    })
    const h = await harness({
      respond: async (request) => {
        const reader = request.body!.getReader()
        const first = await reader.read()
        // Only now does the client send the rest: a gateway that buffered would never get here.
        sendRest()
        let rest = ''
        for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) {
          rest += new TextDecoder().decode(chunk.value)
        }
        return Response.json({ first: new TextDecoder().decode(first.value), rest })
      },
    })
    const body = new ReadableStream<Uint8Array>({
      async start(controller) {
        controller.enqueue(encoder.encode('chunk-1;'))
        await restSent
        controller.enqueue(encoder.encode('chunk-2;chunk-3'))
        controller.close()
      },
    })
    const response = await h.send('/upload', { method: 'POST', body, headers: await h.bearer() })
    expect(await response.json()).toEqual({ first: 'chunk-1;', rest: 'chunk-2;chunk-3' })
  })

  it('drops hop-by-hop headers, including those named in Connection, both ways', async () => {
    const h = await harness({
      respond: () =>
        new Response('ok', {
          headers: {
            connection: 'x-internal',
            'x-internal': 'secret',
            'keep-alive': 'timeout=5',
            'x-kept': '1',
          },
        }),
    })
    const response = await h.send('/orders', {
      headers: {
        ...(await h.bearer()),
        connection: 'keep-alive, X-Hop-Only',
        'keep-alive': 'timeout=5',
        'x-hop-only': '1',
        te: 'trailers',
        trailer: 'x-checksum',
        upgrade: 'websocket',
        'proxy-authorization': 'Basic abc',
        'proxy-anything': '1',
        accept: 'application/json',
        'x-request-id': 'r-1',
      },
    })
    const sent = onlyCall(h).headers
    for (const name of [
      'connection',
      'keep-alive',
      'x-hop-only',
      'te',
      'trailer',
      'upgrade',
      'proxy-authorization',
      'proxy-anything',
    ]) {
      expect(sent.has(name), name).toBe(false)
    }
    expect(sent.get('accept')).toBe('application/json')
    expect(sent.get('x-request-id')).toBe('r-1')
    expect(sent.get('x-forwarded-host')).toBe('gateway.test')
    expect(response.headers.has('x-internal')).toBe(false)
    expect(response.headers.has('keep-alive')).toBe(false)
    expect(response.headers.get('x-kept')).toBe('1')
  })

  it('UPSTREAM with a base path prefixes it', async () => {
    const h = await harness({ vars: { UPSTREAM: `${UPSTREAM}/v2/` } })
    await h.send('/orders?id=1', { headers: await h.bearer() })
    expect(onlyCall(h).url).toBe(`${UPSTREAM}/v2/orders?id=1`)
  })

  it('redirects from the upstream go back to the client, not followed', async () => {
    const h = await harness({
      respond: () =>
        new Response(null, { status: 302, headers: { location: 'https://elsewhere.test/login' } }),
    })
    const response = await h.send('/orders', { headers: await h.bearer() })
    expect(response.status).toBe(302)
    expect(response.headers.get('location')).toBe('https://elsewhere.test/login')
    expect(onlyCall(h).redirect).toBe('manual')
  })

  it('an unreachable upstream is 502, not 500', async () => {
    const h = await harness({
      respond: () => {
        throw new TypeError('fetch failed')
      },
    })
    const response = await h.send('/orders', { headers: await h.bearer() })
    expect(response.status).toBe(502)
    expect(await response.json()).toEqual({
      error: 'bad_gateway',
      error_description: 'The upstream did not answer',
    })
  })
})

describe('identity headers (CLAIM_HEADERS) and spoofing (docs/SECURITY.md row 44)', () => {
  it('sets the default headers from the verified claims', async () => {
    const h = await harness()
    await h.send('/orders', { headers: await h.bearer({ sub: 'alice', scope: 'orders:read orders:write' }) })
    const sent = onlyCall(h).headers
    expect(sent.get('x-auth-subject')).toBe('alice')
    expect(sent.get('x-auth-issuer')).toBe(h.idp.issuer)
    expect(sent.get('x-auth-scope')).toBe('orders:read orders:write')
  })

  it('client copies of identity headers are removed, whatever their case, and never reach the upstream', async () => {
    const h = await harness()
    const headers = new Headers(await h.bearer({ sub: 'alice', scope: undefined }))
    headers.set('X-Auth-Subject', 'admin')
    headers.set('x-auth-issuer', 'https://evil.test')
    headers.set('X-AUTH-SCOPE', 'admin')
    await h.send('/orders', { headers })
    const sent = onlyCall(h).headers
    expect(sent.get('x-auth-subject')).toBe('alice')
    expect(sent.get('x-auth-issuer')).toBe(h.idp.issuer)
    // The token has no scope: the spoofed value is gone and nothing replaces it.
    expect(sent.has('x-auth-scope')).toBe(false)
  })

  it('look-alike names (`_` for `-`, any case) of identity headers are dropped, on protected and public paths', async () => {
    const h = await harness({ vars: { PUBLIC_PATHS: '/docs', CLAIM_HEADERS: 'sub:X-User,tenant:X-Tenant' } })
    const spoofed = {
      X_Auth_Subject: 'root',
      x_auth_scope: 'admin',
      'X-AUTH_ISSUER': 'https://evil.test',
      X_USER: 'root',
      x_tenant: 'other',
      'x-tenant': 'other',
      'X-Unrelated_Header': 'kept',
    }
    await h.send('/orders', { headers: { ...(await h.bearer({ sub: 'alice' })), ...spoofed } })
    await h.send('/docs/intro', { headers: spoofed })
    expect(h.upstream.calls).toHaveLength(2)
    for (const [index, call] of h.upstream.calls.entries()) {
      const names = [...call.headers.keys()]
      expect(
        names.filter((name) => /^x[-_](auth|user|tenant)/.test(name)),
        `call ${index}`,
      ).toEqual(index === 0 ? ['x-user'] : [])
      expect(call.headers.get('x-unrelated_header')).toBe('kept')
    }
    expect(h.upstream.calls[0]?.headers.get('x-user')).toBe('alice')
  })

  it('custom CLAIM_HEADERS: string arrays joined with spaces, objects as JSON, CR/LF percent-encoded', async () => {
    const h = await harness({
      vars: {
        CLAIM_HEADERS:
          'sub:X-User, groups:X-Groups, org:X-Org, level:X-Level, name:X-Name, email:X-Email, mixed:X-Mixed',
      },
    })
    await h.send('/orders', {
      headers: await h.bearer({
        sub: 'bob',
        groups: ['eng', 'ops'],
        org: { id: 7 },
        level: 3,
        name: 'Bob\r\nX-Injected: 1',
        mixed: ['a', 1],
      }),
    })
    const sent = onlyCall(h).headers
    expect(sent.get('x-user')).toBe('bob')
    expect(sent.get('x-groups')).toBe('eng ops')
    expect(sent.get('x-org')).toBe('{"id":7}')
    expect(sent.get('x-level')).toBe('3')
    expect(sent.get('x-name')).toBe('Bob%0D%0AX-Injected: 1')
    expect(sent.has('x-injected')).toBe(false)
    expect(sent.has('x-email')).toBe(false)
    // An array that is not all strings cannot be written one-to-one: left out.
    expect(sent.has('x-mixed')).toBe(false)
    // The defaults are replaced, not added to.
    expect(sent.has('x-auth-subject')).toBe(false)
  })

  it('different claims never give the same header: müller vs m%C3%BCller, admin vs admin\\u0000', async () => {
    const h = await harness()
    const subjects = ['müller', 'm%C3%BCller', 'admin', 'admin\u0000', ' admin', 'a+b', 'a b']
    for (const sub of subjects) await h.send('/orders', { headers: await h.bearer({ sub }) })
    const sent = h.upstream.calls.map((call) => call.headers.get('x-auth-subject'))
    expect(sent).toEqual(['m%C3%BCller', 'm%25C3%25BCller', 'admin', 'admin%00', '%20admin', 'a%2Bb', 'a b'])
    // One percent-decoding gives the exact claim back.
    expect(sent.map((value) => decodeURIComponent(value ?? ''))).toEqual(subjects)
  })

  it('claim header values: one percent-decoding (RFC 3986 §2.1) gives the claim text back', () => {
    expect(claimHeaderValue('José')).toBe('Jos%C3%A9')
    expect(claimHeaderValue('100%')).toBe('100%25')
    expect(claimHeaderValue('read write')).toBe('read write')
    expect(claimHeaderValue('tab\there ')).toBe('tab%09here%20')
    expect(claimHeaderValue('')).toBe('')
    expect(claimHeaderValue(true)).toBe('true')
    expect(claimHeaderValue(1.5)).toBe('1.5')
    expect(claimHeaderValue({ b: 'ü %' })).toBe('{"b":"%C3%BC %25"}')
    // String arrays: each element encoded (its spaces too), joined with one space.
    expect(claimHeaderValue(['a b', 'c'])).toBe('a%20b c')
    expect(claimHeaderValue(['a', 'b c'])).toBe('a b%20c')
    expect(claimHeaderValue([])).toBe('')
    // Values that cannot be carried one-to-one are left out.
    expect(claimHeaderValue('\ud800x')).toBeUndefined()
    expect(claimHeaderValue('\ufffdx')).toBe('%EF%BF%BDx')
    expect(claimHeaderValue([''])).toBeUndefined()
    expect(claimHeaderValue(['a', 1, { b: 2 }])).toBeUndefined()
    expect(claimHeaderValue([['a']])).toBeUndefined()
    expect(claimHeaderValue(null)).toBeUndefined()
    expect(claimHeaderValue(undefined)).toBeUndefined()
  })

  it('every well-formed string claim round-trips through its header value', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme-composite' }), fc.string({ unit: 'binary' }), (a, b) => {
        for (const text of [a, b]) {
          const value = claimHeaderValue(text)
          if (/\p{Surrogate}/u.test(text)) {
            expect(value).toBeUndefined()
            continue
          }
          expect(value).toMatch(/^(?:[\x21-\x7e](?:[\x20-\x7e]*[\x21-\x7e])?)?$/)
          expect(decodeURIComponent(value ?? '')).toBe(text)
          // A form decoder (`+` is a space) reads it the same way.
          expect(decodeURIComponent((value ?? '').replaceAll('+', ' '))).toBe(text)
          expect(new Headers({ x: value ?? '' }).get('x')).toBe(value)
        }
      }),
      { numRuns: 500 },
    )
  })

  it('blank CLAIM_HEADERS forwards no identity headers, and spoofed default ones are still removed', async () => {
    const h = await harness({ vars: { CLAIM_HEADERS: '' } })
    await h.send('/orders', {
      headers: { ...(await h.bearer()), 'x-auth-subject': 'spoof', 'x-user': 'kept' },
    })
    const sent = onlyCall(h).headers
    expect(sent.has('x-auth-subject')).toBe(false)
    expect(sent.has('x-auth-issuer')).toBe(false)
    expect(sent.get('x-user')).toBe('kept')
  })

  it('with custom CLAIM_HEADERS, spoofed copies of the default names are removed too', async () => {
    const h = await harness({ vars: { CLAIM_HEADERS: 'sub:X-User' } })
    await h.send('/orders', {
      headers: { ...(await h.bearer({ sub: 'dana' })), 'x-user': 'admin', 'x-auth-subject': 'admin' },
    })
    const sent = onlyCall(h).headers
    expect(sent.get('x-user')).toBe('dana')
    expect(sent.has('x-auth-subject')).toBe(false)
  })

  it('Authorization is forwarded by default and removed with FORWARD_TOKEN=false', async () => {
    const kept = await harness()
    const auth = await kept.bearer()
    await kept.send('/orders', { headers: auth })
    expect(onlyCall(kept).headers.get('authorization')).toBe(auth.authorization)
    const dropped = await harness({ vars: { FORWARD_TOKEN: 'false' } })
    await dropped.send('/orders', { headers: await dropped.bearer() })
    expect(onlyCall(dropped).headers.has('authorization')).toBe(false)
  })

  it('public paths without a token: identity headers stripped and none set, no key fetch', async () => {
    const h = await harness({ vars: { PUBLIC_PATHS: '/docs' } })
    const response = await h.send('/docs/intro', {
      headers: { 'x-auth-subject': 'admin', 'X-Auth-Scope': 'admin' },
    })
    expect(response.status).toBe(200)
    const sent = onlyCall(h).headers
    expect(sent.has('x-auth-subject')).toBe(false)
    expect(sent.has('x-auth-scope')).toBe(false)
    expect(sent.has('authorization')).toBe(false)
    expect(h.idp.counts).toMatchObject({ discovery: 0, jwks: 0 })
  })

  it('public paths verify a present token: valid → forwarded with the identity headers', async () => {
    const h = await harness({ vars: { PUBLIC_PATHS: '/docs' } })
    const auth = await h.bearer({ sub: 'alice' })
    const response = await h.send('/docs/intro', { headers: { ...auth, 'x-auth-subject': 'admin' } })
    expect(response.status).toBe(200)
    const sent = onlyCall(h).headers
    expect(sent.get('authorization')).toBe(auth.authorization)
    expect(sent.get('x-auth-subject')).toBe('alice')
    expect(sent.get('x-auth-issuer')).toBe(h.idp.issuer)
  })

  it.each([
    ['a forged token', 'Bearer whatever', { discovery: 0, jwks: 0 }],
    ['an empty bearer token', 'Bearer ', { discovery: 0, jwks: 0 }],
    ['two bearer tokens', 'Bearer a, Bearer b', { discovery: 0, jwks: 0 }],
    ['another scheme', 'Basic YWRtaW46YWRtaW4=', { discovery: 0, jwks: 0 }],
  ])('public paths: %s is passed on anonymously, without Authorization', async (_, authorization, counts) => {
    const h = await harness({ vars: { PUBLIC_PATHS: '/docs' } })
    const response = await h.send('/docs/intro', {
      headers: { authorization, 'x-auth-subject': 'admin' },
    })
    expect(response.status).toBe(200)
    const sent = onlyCall(h).headers
    expect(sent.has('authorization')).toBe(false)
    expect(sent.has('x-auth-subject')).toBe(false)
    expect(h.idp.counts).toMatchObject(counts)
  })

  it('public paths: an expired token or one missing REQUIRED_SCOPES is passed on without Authorization', async () => {
    const h = await harness({ vars: { PUBLIC_PATHS: '/docs', REQUIRED_SCOPES: 'docs:read' } })
    const expired = await h.bearer({ scope: 'docs:read', exp: Math.floor(h.clock.now() / 1000) - 3600 })
    const unscoped = await h.bearer({ scope: 'other' })
    for (const headers of [expired, unscoped]) {
      const response = await h.send('/docs/intro', { headers })
      expect(response.status).toBe(200)
    }
    expect(h.upstream.calls).toHaveLength(2)
    for (const call of h.upstream.calls) {
      expect(call.headers.has('authorization')).toBe(false)
      expect(call.headers.has('x-auth-subject')).toBe(false)
    }
    // The same tokens on a protected path are refused.
    expect((await h.send('/orders', { headers: unscoped })).status).toBe(403)
    expect(h.upstream.calls).toHaveLength(2)
  })

  it('public paths while the keys are unavailable: passed on without Authorization', async () => {
    const h = await harness({ vars: { PUBLIC_PATHS: '/docs' } })
    const auth = await h.bearer()
    h.idp.fail({ kind: 'down' })
    const response = await h.send('/docs/intro', { headers: auth })
    expect(response.status).toBe(200)
    expect(onlyCall(h).headers.has('authorization')).toBe(false)
  })

  it('a CORS preflight passes without a token and without identity; a bare OPTIONS does not', async () => {
    const h = await harness()
    const auth = await h.bearer()
    const preflight = await h.send('/orders', {
      method: 'OPTIONS',
      headers: {
        ...auth,
        'access-control-request-method': 'POST',
        origin: 'https://app.test',
        'x-auth-subject': 'x',
      },
    })
    expect(preflight.status).toBe(200)
    expect(onlyCall(h).method).toBe('OPTIONS')
    expect(onlyCall(h).headers.has('x-auth-subject')).toBe(false)
    // Nothing verified a preflight's credentials (browsers send none): never forwarded.
    expect(onlyCall(h).headers.has('authorization')).toBe(false)
    expect(h.idp.counts).toMatchObject({ discovery: 0, jwks: 0 })
    const bare = await h.send('/orders', { method: 'OPTIONS' })
    expect(bare.status).toBe(401)
    expect(h.upstream.calls).toHaveLength(1)
  })
})

describe('echo mode (no UPSTREAM)', () => {
  it('answers 200 with the verified claims, issuer, kid and the identity headers', async () => {
    const h = await harness({ proxy: false })
    const response = await h.send('/anything', { headers: await h.bearer({ sub: 'carol', scope: 'read' }) })
    expect(response.status).toBe(200)
    const body = (await response.json()) as Record<string, unknown>
    expect(body).toMatchObject({
      issuer: h.idp.issuer,
      kid: h.idp.keys[0]?.kid,
      claims: { sub: 'carol', scope: 'read', iss: h.idp.issuer, aud: h.idp.audience },
      headers: { 'x-auth-subject': 'carol', 'x-auth-issuer': h.idp.issuer, 'x-auth-scope': 'read' },
    })
    expect(JSON.stringify(body)).not.toContain('eyJ')
  })

  it('HEAD gets no body; rejections are the same as in proxy mode', async () => {
    const h = await harness({ proxy: false })
    const head = await h.send('/anything', { method: 'HEAD', headers: await h.bearer() })
    expect(head.status).toBe(200)
    expect(await head.text()).toBe('')
    const rejected = await h.send('/anything')
    expect(rejected.status).toBe(401)
    expect(await rejected.json()).toEqual(BODY.missing)
  })

  it('public paths echo the path without claims, or the verified claims of a valid token', async () => {
    const h = await harness({ proxy: false, vars: { PUBLIC_PATHS: '/status' } })
    const response = await h.send('/status/./live')
    expect(await response.json()).toEqual({ public: true, path: '/status/live' })
    const forged = await h.send('/status/live', { headers: { authorization: 'Bearer forged' } })
    expect(await forged.json()).toEqual({ public: true, path: '/status/live' })
    const verified = await h.send('/status/live', { headers: await h.bearer({ sub: 'erin' }) })
    expect(await verified.json()).toMatchObject({
      claims: { sub: 'erin' },
      headers: { 'x-auth-subject': 'erin' },
    })
  })
})
