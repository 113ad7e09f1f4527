import { expect } from 'vitest'
import { expectAccepted, expectFetches, expectRejected, NF } from './support/expect.js'
import { b64json, forge } from './support/forge.js'
import { HTTP_LAYERS, makeTarget, TOKEN_LAYERS, UPSTREAM } from './support/layers.js'
import { eachLayer, useWorld } from './support/suite.js'
import { nowSeconds } from './support/world.js'

// docs/SECURITY.md row 41–47 (xtr): how the token travels. Hono and Express share the extractor with
// the gateway; the gateway reads `Authorization` only (no cookie, no query source).
const world = useWorld({ algorithms: ['RS256'] })
const MIDDLEWARES = HTTP_LAYERS.filter((layer) => layer !== 'gateway')

eachLayer(
  HTTP_LAYERS,
  '#41 no Authorization, Basic → 401 bare challenge; empty Bearer → R400; NF',
  async (layer) => {
    const t = await makeTarget(layer, world())
    expectRejected(await t.send({}), 'missing', 'ERR_TOKEN_MISSING')
    expectRejected(
      await t.send({ headers: [['authorization', 'Basic dXNlcjpwYXNz']] }),
      'missing',
      'ERR_TOKEN_MISSING',
    )
    expectRejected(
      await t.send({ headers: [['authorization', 'Digest username="a"']] }),
      'missing',
      'ERR_TOKEN_MISSING',
    )
    for (const value of ['Bearer ', 'Bearer', 'bearer \t ']) {
      expectRejected(await t.send({ headers: [['authorization', value]] }), 'R400', 'ERR_REQUEST_INVALID')
    }
    expectFetches(world(), NF)
  },
)

eachLayer(
  HTTP_LAYERS,
  '#42 token twice: header + ?access_token=, two Authorization headers (Bearer a, Bearer b) → R400, NF',
  async (layer) => {
    const { idp } = world()
    const options = layer === 'gateway' ? {} : { query: true }
    const t = await makeTarget(layer, world(), options)
    const token = await idp.sign()
    const other = await idp.sign({ sub: 'someone-else' })
    const requests = [
      { token, query: `?access_token=${other}` },
      { token, query: `?access_token=${token}` },
      { token, headers: [['authorization', `Bearer ${other}`]] as [string, string][] },
      { headers: [['authorization', `Bearer ${token}, Bearer ${other}`]] as [string, string][] },
      { headers: [['authorization', `Basic dXNlcjpwYXNz, Bearer ${token}`]] as [string, string][] },
    ]
    for (const request of requests) expectRejected(await t.send(request), 'R400', 'ERR_REQUEST_INVALID')
    expectFetches(world(), NF)
  },
)

eachLayer(
  MIDDLEWARES,
  '#42 token in the header and the cookie (cookie source on) → R400, NF',
  async (layer) => {
    const { idp } = world()
    const t = await makeTarget(layer, world(), { cookie: 'session' })
    const token = await idp.sign()
    const headers: [string, string][] = [['cookie', `theme=dark; session=${token}`]]
    expectRejected(await t.send({ token, headers }), 'R400', 'ERR_REQUEST_INVALID')
    const twoCookies: [string, string][] = [['cookie', `session=${token}; session=${token}`]]
    expectRejected(await t.send({ headers: twoCookies }), 'R400', 'ERR_REQUEST_INVALID')
    expectFetches(world(), NF)
  },
)

eachLayer(
  ['gateway'],
  '#42 the gateway reads no cookie: a cookie beside the header is not a second token',
  async (layer) => {
    const { idp } = world()
    const t = await makeTarget(layer, world())
    const token = await idp.sign()
    expectAccepted(await t.send({ token, headers: [['cookie', `access_token=${token}; session=${token}`]] }))
  },
)

eachLayer(HTTP_LAYERS, '#43 scheme bearer / BEARER / bEaReR → accepted (case-insensitive)', async (layer) => {
  const { idp } = world()
  const t = await makeTarget(layer, world())
  for (const scheme of ['bearer', 'BEARER', 'bEaReR', 'Bearer']) {
    expectAccepted(await t.send({ headers: [['authorization', `${scheme} ${await idp.sign()}`]] }))
  }
  expectFetches(world(), { discovery: 1, jwks: 1 })
})

eachLayer(
  ['gateway'],
  "#44 a client's X-Auth-Sub: admin beside alice's token → upstream sees only verified values",
  async (layer) => {
    const { idp } = world()
    const vars = { CLAIM_HEADERS: 'sub:X-Auth-Sub,scope:X-Auth-Scope' }
    const t = await makeTarget(layer, world(), { vars })
    const token = await idp.sign({ sub: 'alice', scope: undefined })
    const spoofed: [string, string][] = [
      ['X-Auth-Sub', 'admin'],
      ['x-auth-scope', 'admin'],
      ['X-Auth-Subject', 'admin'],
      ['X-AUTH-ISSUER', 'https://evil.test'],
    ]
    const probe = await t.send({ token, headers: spoofed })
    expectAccepted(probe)
    const sent = probe.seen?.headers
    expect(sent?.get('x-auth-sub')).toBe('alice')
    // Claims the token lacks set nothing; the default names are stripped even when renamed.
    for (const name of ['x-auth-scope', 'x-auth-subject', 'x-auth-issuer'])
      expect(sent?.has(name), name).toBe(false)
    // docs/gateway.md: Authorization goes upstream unless FORWARD_TOKEN=false.
    expect(sent?.get('authorization')).toBe(`Bearer ${token}`)
    const stripping = await makeTarget(layer, world(), { vars: { ...vars, FORWARD_TOKEN: 'false' } })
    const dropped = await stripping.send({ token, headers: spoofed })
    expect(dropped.seen?.headers?.has('authorization')).toBe(false)
    expect(dropped.seen?.headers?.get('x-auth-sub')).toBe('alice')
  },
)

eachLayer(
  MIDDLEWARES,
  "#44 a middleware's handler gets the identity from the verified token only",
  async (layer) => {
    const { idp } = world()
    const t = await makeTarget(layer, world())
    const probe = await t.send({
      token: await idp.sign({ sub: 'alice' }),
      headers: [['X-Auth-Sub', 'admin']],
    })
    expectAccepted(probe)
    expect(probe.seen?.payload?.sub).toBe('alice')
  },
)

eachLayer(
  ['gateway'],
  '#45 /public/..%2fadmin, //admin, /admin;x with /public open → judged on the path upstream routes',
  async (layer) => {
    const { idp } = world()
    const t = await makeTarget(layer, world(), { vars: { PUBLIC_PATHS: '/public' } })
    const token = await idp.sign()
    for (const path of [
      '/public/..%2fadmin',
      '/public/..%2Fadmin',
      '/public/..%5cadmin',
      '/public/%2e%2e%2fadmin',
    ]) {
      for (const request of [{ path }, { path, token }]) {
        const probe = await t.send(request)
        expect([probe.status, probe.reached, JSON.parse(probe.body).error]).toEqual([
          400,
          false,
          'invalid_request',
        ])
      }
    }
    for (const [path, upstream] of [
      ['//admin', '/admin'],
      ['/admin;x', '/admin'],
      ['/public/..;/admin', '/admin'],
      ['/public/%2e%2e/admin', '/admin'],
    ] as const) {
      expectRejected(await t.send({ path }), 'missing', 'ERR_TOKEN_MISSING')
      const verified = await t.send({ path, token })
      expectAccepted(verified)
      expect(verified.seen?.url).toBe(`${UPSTREAM}${upstream}`)
    }
    expectFetches(world(), { discovery: 1, jwks: 1 })
  },
)

eachLayer(
  MIDDLEWARES,
  '#45 odd spellings of a protected path never reach the handler without a token',
  async (layer) => {
    const t = await makeTarget(layer, world())
    for (const path of [
      '//api/items',
      '/api//items',
      '/api/items;x',
      '/api/./items',
      '/api/%2e/items',
      '/API/items',
    ]) {
      const probe = await t.send({ path })
      expect(probe.reached, path).toBe(false)
      expect([401, 404], path).toContain(probe.status)
    }
  },
)

eachLayer(
  TOKEN_LAYERS,
  '#46 64 KB token, 10k claims, 1000-deep JSON → 401 (or 431) before decoding, bounded, NF',
  async (layer) => {
    const t = await makeTarget(layer, world())
    // Each header would be ERR_HEADER_INVALID if it were decoded: MALFORMED shows it was not.
    const decoy = b64json({ alg: 'RS256', crit: ['x'] })
    const huge = `${decoy}.${'A'.repeat(64 * 1024 - decoy.length - 6)}.c2ln`
    const manyClaims = b64json(Object.fromEntries(Array.from({ length: 10_000 }, (_, i) => [`c${i}`, i])))
    for (const token of [huge, `${decoy}.${manyClaims}.c2ln`]) {
      const probe = await t.send({ token })
      if (layer === 'express' && token.length >= 64 * 1024) {
        // Node refuses the headers first (431): the row allows it, and nothing ran.
        expect([probe.status, probe.reached]).toEqual([431, false])
      } else {
        expectRejected(probe, 'R401', 'ERR_TOKEN_MALFORMED')
      }
    }
    const deep = 1000
    const deepHeader = `${'['.repeat(deep)}${']'.repeat(deep)}`
    const deepPayload = `${'{"a":'.repeat(deep)}1${'}'.repeat(deep)}`
    expectRejected(
      await t.send({ token: `${b64json(JSON.parse(deepHeader))}.e30.c2ln` }),
      'R401',
      'ERR_TOKEN_MALFORMED',
    )
    // Within 16 KiB a deep payload is decoded once, by JSON.parse, to pick keys: bounded work. It
    // names no issuer, so it cannot pass, costs no fetch, and is refused for that missing claim.
    const deepClaims = { sub: 'x', nested: JSON.parse(deepPayload) }
    expect(JSON.stringify(deepClaims).length).toBeLessThan(16 * 1024)
    const deepToken = forge({ alg: 'RS256', kid: 'unknown' }, deepClaims)
    expectRejected(await t.send({ token: deepToken }), 'R401', 'ERR_CLAIM_INVALID')
    expectFetches(world(), NF)
  },
)

eachLayer(
  HTTP_LAYERS,
  '#47 HEAD with an expired token → 401 + WWW-Authenticate, empty body',
  async (layer) => {
    const { idp } = world()
    const t = await makeTarget(layer, world())
    await t.warm()
    const expired = await idp.sign({ exp: nowSeconds(world()) - 3600 })
    expectRejected(await t.send({ token: expired, method: 'HEAD' }), 'R401', 'ERR_TOKEN_EXPIRED', {
      head: true,
    })
    expectRejected(await t.send({ method: 'HEAD' }), 'missing', 'ERR_TOKEN_MISSING', { head: true })
    expectRejected(
      await t.send({ method: 'HEAD', headers: [['authorization', 'Bearer ']] }),
      'R400',
      'ERR_REQUEST_INVALID',
      { head: true },
    )
    expectFetches(world(), NF)
  },
)
