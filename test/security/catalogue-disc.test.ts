import { expect } from 'vitest'
import { jwksAuth as expressJwksAuth } from '../../src/express/index.js'
import { jwksAuth } from '../../src/hono/index.js'
import { createVerifier, VerifierConfigError } from '../../src/index.js'
import { expectAccepted, expectFetches, expectRejected, NF } from './support/expect.js'
import { claims, forge, hmacToken } from './support/forge.js'
import { CONFIGURABLE_LAYERS, makeTarget, TOKEN_LAYERS } from './support/layers.js'
import { eachLayer, useWorld } from './support/suite.js'

// docs/SECURITY.md row 58–60 (disc): discovery can only point at https keys of exactly the configured
// issuer, and it never widens the algorithm allow-list.
const world = useWorld({ algorithms: ['RS256'] })

const discoveryUrl = () => `${world().idp.issuer}/.well-known/openid-configuration`

/** Serves `document` as the issuer's OIDC discovery document. */
function discoveryAnswers(document: Record<string, unknown>): void {
  world().intercept = (url) => (url === discoveryUrl() ? Response.json(document) : undefined)
}

const HTTP_ISSUERS = ['http://idp.example.com', 'http://10.0.0.7', 'http://169.254.169.254']

eachLayer(
  CONFIGURABLE_LAYERS,
  '#58 an http:// issuer or jwksUri is refused at construction (loopback aside)',
  async (layer) => {
    const { idp } = world()
    const construct = (options: { issuer: string; jwksUri?: string }) => {
      const all = { ...options, audience: idp.audience, fetch: world().fetch }
      if (layer === 'core') return createVerifier(all)
      if (layer === 'hono') return jwksAuth(all)
      return expressJwksAuth(all)
    }
    for (const issuer of HTTP_ISSUERS)
      expect(() => construct({ issuer }), issuer).toThrow(VerifierConfigError)
    expect(() => construct({ issuer: idp.issuer, jwksUri: 'http://issuer.test/jwks.json' })).toThrow(
      /"jwksUri"/,
    )
    expect(() => construct({ issuer: 'http://127.0.0.1:8788' })).not.toThrow()
    expectFetches(world(), NF)
  },
)

eachLayer(
  ['gateway'],
  '#58 an http:// ISSUER or JWKS_URI: every request 500 misconfigured, one log line naming it',
  async (layer) => {
    const { idp } = world()
    for (const vars of [{ ISSUER: 'http://idp.example.com' }, { JWKS_URI: 'http://issuer.test/jwks.json' }]) {
      const t = await makeTarget(layer, world(), { vars })
      for (const path of ['/api/items', '/healthz', '/.well-known/jwks.json']) {
        const probe = await t.send({ path, token: await idp.sign() })
        expect([probe.status, probe.reached]).toEqual([500, false])
        expect(probe.body).not.toContain('http://')
      }
      expect(t.logs).toHaveLength(1)
      expect(t.logs[0]).toContain(Object.keys(vars)[0])
    }
    expectFetches(world(), NF)
  },
)

eachLayer(
  TOKEN_LAYERS,
  '#58 a discovered http:// jwks_uri is refused: R503, and it is never fetched',
  async (layer) => {
    const { idp } = world()
    for (const jwksUri of [
      'http://issuer.test/.well-known/jwks.json',
      'http://169.254.169.254/keys',
      'ftp://issuer.test/k',
    ]) {
      world().reset()
      discoveryAnswers({ issuer: idp.issuer, jwks_uri: jwksUri })
      const t = await makeTarget(layer, world())
      expectRejected(await t.send({ token: await idp.sign() }), 'R503', 'ERR_JWKS_UNAVAILABLE')
      expect(world().requests.map((r) => r.url)).toEqual([discoveryUrl()])
      expect(t.events).toContainEqual(
        expect.objectContaining({ type: 'fetch_failed', reason: 'discovery: jwks_uri is not https' }),
      )
    }
  },
)

eachLayer(
  TOKEN_LAYERS,
  '#59 discovery names another issuer (slash, host, case) or no jwks_uri → document refused, JWKS never fetched',
  async (layer) => {
    const { idp } = world()
    const documents = [
      { issuer: `${idp.issuer}/`, jwks_uri: idp.jwksUri },
      { issuer: 'https://evil.test', jwks_uri: idp.jwksUri },
      { issuer: idp.issuer.toUpperCase(), jwks_uri: idp.jwksUri },
      { issuer: `${idp.issuer}:443`, jwks_uri: idp.jwksUri },
      { issuer: idp.issuer },
      { issuer: idp.issuer, jwks_uri: 42 },
      { jwks_uri: idp.jwksUri },
    ]
    for (const document of documents) {
      world().reset()
      discoveryAnswers(document)
      const t = await makeTarget(layer, world())
      expectRejected(await t.send({ token: await idp.sign() }), 'R503', 'ERR_JWKS_UNAVAILABLE')
      expect(world().requests.map((r) => r.url)).toEqual([discoveryUrl()])
      expectFetches(world(), NF)
    }
  },
)

eachLayer(
  TOKEN_LAYERS,
  '#60 discovery lists none and HS256 as supported: the allow-list is not widened → R401, NF',
  async (layer) => {
    const { idp, clock } = world()
    discoveryAnswers({
      issuer: idp.issuer,
      jwks_uri: idp.jwksUri,
      id_token_signing_alg_values_supported: ['none', 'HS256', 'RS256'],
      token_endpoint_auth_signing_alg_values_supported: ['none', 'HS256'],
    })
    const t = await makeTarget(layer, world())
    expectAccepted(await t.send({ token: await idp.sign() }))
    world().requests.length = 0
    const payload = claims(idp, clock.now())
    const kid = idp.keys[0]?.kid
    expectRejected(
      await t.send({ token: forge({ alg: 'none', kid }, payload, '') }),
      'R401',
      'ERR_TOKEN_MALFORMED',
    )
    expectRejected(
      await t.send({ token: forge({ alg: 'none', kid }, payload) }),
      'R401',
      'ERR_ALG_NOT_ALLOWED',
    )
    const hs = await hmacToken({ kid }, payload, new TextEncoder().encode(idp.publicJwks().keys[0]?.n ?? ''))
    expectRejected(await t.send({ token: hs }), 'R401', 'ERR_ALG_NOT_ALLOWED')
    expect(world().requests).toEqual([])
  },
)
