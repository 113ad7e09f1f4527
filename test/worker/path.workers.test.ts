import { describe, expect, it } from 'vitest'
import { isPublicPath, normalizePath } from '../../src/worker/path.js'
import { CHALLENGE, harness, UPSTREAM } from './support/gateway.js'

describe('normalizePath (docs/SECURITY.md row 45, CVE-2019-9901)', () => {
  it.each([
    ['/admin', '/admin'],
    ['//admin', '/admin'],
    ['/a//b///c', '/a/b/c'],
    ['/admin;x', '/admin'],
    ['/admin;jsessionid=1/users;v=2', '/admin/users'],
    ['/public/..;/admin', '/admin'],
    ['/public/../admin', '/admin'],
    ['/public/%2e%2e/admin', '/admin'],
    ['/public/%2E%2e;x/admin', '/admin'],
    ['/a/./b/../c', '/a/c'],
    ['/a/b/', '/a/b/'],
    ['/a/b/.', '/a/b/'],
    ['/a/b/..', '/a/'],
    ['/../../etc', '/etc'],
    ['/..', '/'],
    ['', '/'],
    ['/%61dmin', '/admin'],
    ['/%7euser', '/~user'],
    ['/a%20b', '/a%20b'],
    ['/caf%c3%a9', '/caf%C3%A9'],
    ['/a%3bb', '/a%3Bb'],
    ['/a%252fb', '/a%252fb'],
    ['/public\\..\\admin', '/admin'],
  ])('%j → %j', (raw, expected) => {
    expect(normalizePath(raw)).toEqual({ ok: true, path: expected })
  })

  it.each([
    ['/public/..%2fadmin', 'encoded-separator'],
    ['/public/..%2Fadmin', 'encoded-separator'],
    ['/public/..%5cadmin', 'encoded-separator'],
    ['/a%2F', 'encoded-separator'],
    ['/a%00b', 'encoded-control'],
    ['/a%0d%0ab', 'encoded-control'],
    ['/a%7F', 'encoded-control'],
    ['/a%zz', 'bad-escape'],
    ['/a%4', 'bad-escape'],
    ['/a%', 'bad-escape'],
  ])('%j is refused (%s)', (raw, reason) => {
    expect(normalizePath(raw)).toEqual({ ok: false, reason })
  })

  it('public prefixes match on segment boundaries only', () => {
    expect(isPublicPath('/public', ['/public'])).toBe(true)
    expect(isPublicPath('/public/', ['/public'])).toBe(true)
    expect(isPublicPath('/public/a/b', ['/public'])).toBe(true)
    expect(isPublicPath('/publicity', ['/public'])).toBe(false)
    expect(isPublicPath('/Public', ['/public'])).toBe(false)
    expect(isPublicPath('/', ['/public'])).toBe(false)
  })
})

describe('the gateway decides on the path the upstream will route', () => {
  const vars = { PUBLIC_PATHS: '/public, /docs/' }

  it.each(['/public/..%2fadmin', '/public/..%2Fadmin', '/public/..%5Cadmin', '/public/a%00'])(
    '%s is 400 and never forwarded',
    async (path) => {
      const h = await harness({ vars })
      const response = await h.send(path, { headers: await h.bearer() })
      expect(response.status).toBe(400)
      expect(response.headers.get('www-authenticate')).toBeNull()
      expect(await response.json()).toMatchObject({ error: 'invalid_request' })
      expect(h.upstream.calls).toHaveLength(0)
      expect(h.idp.counts.jwks).toBe(0)
    },
  )

  it.each([
    '/public/../admin',
    '/public/%2e%2e/admin',
    '/public/..;/admin',
    '/public;x/../admin',
    '/publicity',
    '/PUBLIC/x',
  ])('%s is protected: 401 without a token, nothing forwarded', async (path) => {
    const h = await harness({ vars })
    const response = await h.send(path)
    expect(response.status).toBe(401)
    expect(response.headers.get('www-authenticate')).toBe(CHALLENGE.missing)
    expect(h.upstream.calls).toHaveLength(0)
  })

  it.each([
    ['/public', '/public'],
    ['/public/', '/public/'],
    ['/public/a;v=1/b', '/public/a/b'],
    ['/%70ublic/x', '/public/x'],
    ['//docs//guide', '/docs/guide'],
    ['/docs/a/../b', '/docs/b'],
  ])('%s is public and forwarded as %s', async (path, forwarded) => {
    const h = await harness({ vars })
    const response = await h.send(`${path}?q=1`)
    expect(response.status).toBe(200)
    expect(h.upstream.calls.map((call) => call.url)).toEqual([`${UPSTREAM}${forwarded}?q=1`])
  })

  it.each([
    ['//admin', '/admin'],
    ['/admin;x', '/admin'],
    ['/admin/./users/../roles', '/admin/roles'],
  ])('verified %s is forwarded as %s', async (path, forwarded) => {
    const h = await harness({ vars })
    const response = await h.send(path, { headers: await h.bearer() })
    expect(response.status).toBe(200)
    expect(h.upstream.calls.map((call) => call.url)).toEqual([`${UPSTREAM}${forwarded}`])
  })

  // The URL parser of the runtime already resolves a segment that is only `%2e%2e` (WHATWG URL
  // "double-dot segment"), so these rows carry a `;` parameter: only the gateway's own decoding of
  // `%2e` turns them into `..` before the decision and before forwarding.
  it('%2e is decoded end to end: the decision and the forwarded path both see the dot segments', async () => {
    const h = await harness({ vars })
    for (const path of ['/public/%2e%2e;x/admin', '/public/%2E%2e;v=1/admin', '/public/.%2e;/admin']) {
      const refused = await h.send(path)
      expect(refused.status, path).toBe(401)
    }
    expect(h.upstream.calls).toHaveLength(0)
    const verified = await h.send('/public/%2e%2E;x/admin/%2e;y/users', { headers: await h.bearer() })
    expect(verified.status).toBe(200)
    const open = await h.send('/docs/guide/%2e%2e;v=2/intro')
    expect(open.status).toBe(200)
    expect(h.upstream.calls.map((call) => new URL(call.url).pathname)).toEqual([
      '/admin/users',
      '/docs/intro',
    ])
  })
})
