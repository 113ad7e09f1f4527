import { exports } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import type { GatewayEnv } from '../../src/worker/env.js'
import { BODY, harness } from './support/gateway.js'

/**
 * Headers a claim must never set: cookies, framing, forwarding and client address, routing and
 * method overrides, caching and conditional requests, hop-by-hop, the platform's own (`CF-*`),
 * browser-set request metadata — in their own spelling and in look-alike ones.
 */
const RESERVED_CLAIM_HEADERS = [
  'Authorization',
  'Proxy-Foo',
  'Set-Cookie',
  'Cookie',
  'Content-Range',
  'Content-Disposition',
  'Content-Type',
  'Content_Length',
  'Forwarded',
  'X-Forwarded-For',
  'X_Forwarded_Proto',
  'X-Forwarded-Host',
  'X-Real-IP',
  'True-Client-IP',
  'Via',
  'Host',
  'Connection',
  'Keep-Alive',
  'Transfer-Encoding',
  'TE',
  'Upgrade',
  'Cache-Control',
  'Pragma',
  'If-None-Match',
  'If-Modified-Since',
  'Range',
  'X-HTTP-Method-Override',
  'X-HTTP-Method',
  'X-Method-Override',
  'X-Original-URL',
  'X-Rewrite-URL',
  'CF-Connecting-IP',
  'CF-Access-Jwt-Assertion',
  'Origin',
  'Sec-Fetch-Site',
  'DPoP',
] as const

/** A bad value of each variable (docs/gateway.md), and why it is bad. */
const INVALID: readonly [keyof GatewayEnv, GatewayEnv[keyof GatewayEnv] | null, string][] = [
  ['ISSUER', null, 'is required'],
  ['ISSUER', '   ', 'is required'],
  ['ISSUER', 'not a url', 'entry 1 must be an https URL'],
  ['ISSUER', 'http://idp.example.com', 'entry 1 must be an https URL'],
  ['ISSUER', 'https://a.example.com,https://a.example.com', 'names an issuer twice'],
  ['AUDIENCE', null, 'is required'],
  ['AUDIENCE', 'api,,other', 'entry 2 has an empty entry'],
  ['JWKS_URI', 'ftp://idp.example.com/jwks', 'must be an https URL'],
  ['JWKS_URI', 'http://idp.example.com/jwks', 'must be an https URL'],
  ['ALGORITHMS', 'HS256', 'entry 1 must list asymmetric JWS algorithms'],
  ['ALGORITHMS', 'RS256,none', 'entry 2 must list asymmetric JWS algorithms'],
  ['ALGORITHMS', 'rs256', 'entry 1 must list asymmetric JWS algorithms'],
  ['UPSTREAM', 'ftp://origin.example.com', 'must be an http(s) URL'],
  ['UPSTREAM', 'https://origin.example.com/?debug=1', 'must be an http(s) URL'],
  ['UPSTREAM', 'https://user:secret@origin.example.com', 'must be an http(s) URL'],
  ['UPSTREAM', 'origin.example.com', 'must be an http(s) URL'],
  ['PUBLIC_PATHS', 'public', 'entry 1 must start with /'],
  ['PUBLIC_PATHS', '/docs,/', 'entry 2 must be a plain path other than /'],
  ['PUBLIC_PATHS', '/a%2fb', 'entry 1 must be a plain path'],
  ['PUBLIC_PATHS', '/docs?x=1', 'entry 1 must be a plain path'],
  ['REQUIRED_SCOPES', 'read "write"', 'entry 2 must be space-separated scope tokens'],
  ['CLAIM_HEADERS', 'sub', 'entry 1 must be claim:Header-Name'],
  ['CLAIM_HEADERS', 'sub:Bad Header', 'entry 1 must be claim:Header-Name'],
  ['CLAIM_HEADERS', 'sub:X-User,email:x-user', 'names a header twice'],
  // `_` and `-` are one name to CGI-style servers (PHP, WSGI, Rack, nginx underscores_in_headers).
  ['CLAIM_HEADERS', 'sub:X-User,email:X_User', 'names a header twice'],
  ...RESERVED_CLAIM_HEADERS.map((header): [keyof GatewayEnv, string, string] => [
    'CLAIM_HEADERS',
    `sub:${header}`,
    `entry 1 may not set the reserved header ${header.toLowerCase().replaceAll('_', '-')}`,
  ]),
  ['FORWARD_TOKEN', 'yes', 'must be true or false'],
  ['CLOCK_TOLERANCE', '-1', 'must be whole seconds from 0 to 300'],
  ['CLOCK_TOLERANCE', '1.5', 'must be whole seconds from 0 to 300'],
  ['CLOCK_TOLERANCE', '301', 'must be whole seconds from 0 to 300'],
  ['CLOCK_TOLERANCE', 'thirty', 'must be whole seconds from 0 to 300'],
  ['JWKS_CACHE', 'my-namespace' as unknown as GatewayEnv['JWKS_CACHE'], 'must be a KV namespace binding'],
  ['JWKS_CACHE', {} as GatewayEnv['JWKS_CACHE'], 'must be a KV namespace binding'],
  ['JWKS_SOURCES', 'http://keys.example.com/jwks', 'entry 1 must be an https URL'],
  ['JWKS_SOURCES', 'https://k.example.com/j,https://k.example.com/j', 'names a source twice'],
  ['JWKS_DENY_KIDS', 'old,,older', 'entry 2 has an empty entry'],
  [
    'RESOURCES',
    'https://gateway.test/mcp#top',
    'entry 1 must be an absolute https URL without query or fragment',
  ],
  [
    'RESOURCES',
    'https://gateway.test/mcp?tenant=1',
    'entry 1 must be an absolute https URL without query or fragment',
  ],
  [
    'RESOURCES',
    'http://gateway.example.com/mcp',
    'entry 1 must be an absolute https URL without query or fragment',
  ],
  [
    'RESOURCES',
    'https://gateway.test/a%2fb',
    'entry 1 must be an absolute https URL without query or fragment',
  ],
  ['RESOURCES', 'https://gateway.test/mcp,https://GATEWAY.test/mcp', 'names a resource twice'],
  ['AUTHORIZATION_SERVERS', 'http://as.example.com', 'entry 1 must be an https URL'],
  ['SCOPES_SUPPORTED', 'mcp:tools "x"', 'entry 2 must be space-separated scope tokens'],
  ['STEP_UP_ACR_VALUES', 'mfa "x"', 'entry 2 must be space-separated acr values'],
  ['STEP_UP_MAX_AGE', '-1', 'must be whole seconds'],
  ['STEP_UP_MAX_AGE', '5m', 'must be whole seconds'],
  ['STEP_UP_PATHS', 'mcp', 'entry 1 must start with /'],
  ['STEP_UP_PATHS', '/mcp', 'needs STEP_UP_ACR_VALUES or STEP_UP_MAX_AGE'],
]

describe('configuration (docs/gateway.md): a bad variable answers 500 everywhere and is named once', () => {
  it.each(INVALID)('%s = %j', async (variable, value, reason) => {
    const vars: Partial<GatewayEnv> = { [variable]: value ?? undefined }
    const h = await harness({ vars })
    if (value === null) delete h.env[variable]
    const token = await h.bearer()

    for (const [path, init] of [
      ['/orders', { headers: token }],
      ['/orders', { method: 'POST', body: 'x' }],
      ['/.well-known/jwks.json', {}],
    ] as const) {
      const response = await h.send(path, init)
      expect(response.status).toBe(500)
      expect(response.headers.get('www-authenticate')).toBeNull()
      expect(await response.json()).toEqual(BODY.misconfigured)
    }
    const health = await h.send('/healthz')
    expect(health.status).toBe(500)
    expect(await health.json()).toEqual({ status: 'misconfigured', variables: [variable] })
    const head = await h.send('/healthz', { method: 'HEAD' })
    expect(head.status).toBe(500)
    expect(await head.text()).toBe('')

    expect(h.logs).toHaveLength(1)
    expect(h.logs[0]).toContain(`${variable} ${reason}`)
    if (typeof value === 'string' && value.trim().length > 3) expect(h.logs[0]).not.toContain(value)
    expect(h.upstream.calls).toHaveLength(0)
    expect(h.idp.counts).toMatchObject({ discovery: 0, jwks: 0 })
  })

  it('JWKS_URI with several issuers is a configuration error naming JWKS_URI', async () => {
    const h = await harness({ vars: { JWKS_URI: 'https://keys.example.com/jwks' } })
    h.env.ISSUER = `${h.idp.issuer},https://other.example.com`
    const health = await h.send('/healthz')
    expect(health.status).toBe(500)
    expect(await health.json()).toEqual({ status: 'misconfigured', variables: ['JWKS_URI'] })
    expect(h.logs).toEqual([expect.stringContaining('JWKS_URI needs exactly one ISSUER')])
  })

  it('reports every bad variable in one line, in the order of the docs/gateway.md table', async () => {
    const h = await harness({ vars: { FORWARD_TOKEN: 'maybe', ALGORITHMS: 'HS512' } })
    delete h.env.AUDIENCE
    const health = await h.send('/healthz')
    expect(await health.json()).toEqual({
      status: 'misconfigured',
      variables: ['AUDIENCE', 'ALGORITHMS', 'FORWARD_TOKEN'],
    })
    await h.send('/x')
    expect(h.logs).toHaveLength(1)
  })

  it('an env object equal to a bad one is not logged again (workerd may pass a fresh env per request)', async () => {
    const h = await harness({ vars: { CLOCK_TOLERANCE: 'soon' } })
    await h.gateway.fetch(new Request('https://gateway.test/a'), { ...h.env })
    await h.gateway.fetch(new Request('https://gateway.test/b'), { ...h.env })
    expect(h.logs).toHaveLength(1)
  })
})

/** A valid value of each optional variable, and a request that shows it took effect. */
describe('configuration: valid values', () => {
  it('accepts TOML-typed vars (numbers, booleans) and blank optional ones', async () => {
    const h = await harness({
      vars: {
        CLOCK_TOLERANCE: 0,
        FORWARD_TOKEN: false,
        ALGORITHMS: ' ',
        PUBLIC_PATHS: '',
        REQUIRED_SCOPES: '',
        JWKS_SOURCES: '',
        JWKS_DENY_KIDS: '',
        JWKS_URI: '',
      },
    })
    const response = await h.send('/orders', { headers: await h.bearer() })
    expect(response.status).toBe(200)
    expect(h.upstream.calls[0]?.headers.has('authorization')).toBe(false)
    expect(h.logs).toEqual([])
  })

  it('several issuers and audiences, comma-separated with spaces', async () => {
    const h = await harness({ vars: { AUDIENCE: 'https://other.example.com , https://api.test' } })
    h.env.ISSUER = `https://elsewhere.example.com, ${h.idp.issuer}`
    const response = await h.send('/orders', { headers: await h.bearer() })
    expect(response.status).toBe(200)
    const health = (await (await h.send('/healthz')).json()) as { issuers: { issuer: string }[] }
    expect(health.issuers.map((i) => i.issuer)).toEqual(['https://elsewhere.example.com', h.idp.issuer])
  })

  it('JWKS_URI skips discovery', async () => {
    const h = await harness()
    h.env.JWKS_URI = h.idp.jwksUri
    expect((await h.send('/orders', { headers: await h.bearer() })).status).toBe(200)
    expect(h.idp.counts).toMatchObject({ discovery: 0, jwks: 1 })
  })

  it('ALGORITHMS narrows the allow-list: an RS256 token under ES256-only is 401 without a fetch', async () => {
    const h = await harness({ vars: { ALGORITHMS: 'ES256' } })
    const response = await h.send('/orders', { headers: await h.bearer() })
    expect(response.status).toBe(401)
    expect(h.idp.counts.jwks).toBe(0)
    expect(h.upstream.calls).toHaveLength(0)
  })

  it('CLOCK_TOLERANCE widens the accepted skew', async () => {
    const strict = await harness({ vars: { CLOCK_TOLERANCE: '0' } })
    const expired = { exp: Math.floor(strict.clock.now() / 1000) - 10 }
    expect((await strict.send('/x', { headers: await strict.bearer(expired) })).status).toBe(401)
    const lenient = await harness({ vars: { CLOCK_TOLERANCE: '60' } })
    const alsoExpired = { exp: Math.floor(lenient.clock.now() / 1000) - 10 }
    expect((await lenient.send('/x', { headers: await lenient.bearer(alsoExpired) })).status).toBe(200)
  })

  it('the root Worker (src/worker/entry.ts) is the gateway, misconfigured without vars', async () => {
    const entry = (exports as unknown as { default: { fetch(request: Request): Promise<Response> } }).default
    const response = await entry.fetch(new Request('https://gateway.test/healthz'))
    expect(response.status).toBe(500)
    expect(await response.json()).toEqual({ status: 'misconfigured', variables: ['ISSUER', 'AUDIENCE'] })
  })
})
