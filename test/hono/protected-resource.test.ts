import { Hono } from 'hono'
import { beforeAll, describe, expect, it } from 'vitest'
import {
  type JwksAuthEnv,
  type JwksAuthOptions,
  jwksAuth,
  protectedResourceMetadata,
  requireScopes,
  requireStepUp,
} from '../../src/hono/index.js'
import { VerifierConfigError } from '../../src/index.js'
import { createTestIssuer, type TestIssuer } from '../../src/testing/index.js'
import { manualClock } from '../helpers/clock.js'
import { expectInvalidToken, expectMetadata, RS_CHALLENGE } from '../middleware/support/resource-server.js'
import { dpopClient } from '../sender/support.js'

const RESOURCE = 'https://mcp.example.com/mcp'
const METADATA_URL = 'https://mcp.example.com/.well-known/oauth-protected-resource/mcp'
const clock = manualClock()
const NOW = Math.floor(clock.now() / 1000)

function app(idp: TestIssuer, extra: Partial<JwksAuthOptions> = {}) {
  let calls = 0
  const codes: string[] = []
  const options: JwksAuthOptions = {
    onError: (error) => {
      codes.push(error.code)
    },
    issuer: idp.issuer,
    fetch: idp.fetch,
    now: clock.now,
    protectedResource: {
      resource: RESOURCE,
      scopesSupported: ['mcp:tools', 'mcp:admin'],
      resourceName: 'Test MCP',
    },
    ...extra,
  }
  const hono = new Hono<JwksAuthEnv>()
  hono.use(protectedResourceMetadata(options))
  hono.use('/mcp/*', jwksAuth(options))
  hono.use('/mcp', jwksAuth(options))
  hono.post('/mcp', (c) => {
    calls += 1
    return c.json({ sub: c.get('auth').payload.sub })
  })
  hono.post('/mcp/admin', requireScopes('mcp:tools', 'mcp:admin'), (c) => {
    calls += 1
    return c.json({ ok: true })
  })
  hono.post('/mcp/billing', requireStepUp({ acrValues: ['mfa'], maxAgeSeconds: 60 }), (c) => {
    calls += 1
    return c.json({ ok: true })
  })
  return { hono, calls: () => calls, codes }
}

describe('Hono: the protected resource front door (RFC 9728, RFC 8707, RFC 9470)', () => {
  let idp: TestIssuer

  beforeAll(async () => {
    idp = await createTestIssuer({ now: clock.now })
  })

  it.each(['/.well-known/oauth-protected-resource/mcp', '/.well-known/oauth-protected-resource'])(
    'serves the metadata document at %s',
    async (path) => {
      const { hono } = app(idp)
      await expectMetadata(await hono.request(path), {
        resource: RESOURCE,
        authorization_servers: [idp.issuer],
        scopes_supported: ['mcp:tools', 'mcp:admin'],
        bearer_methods_supported: ['header'],
        resource_name: 'Test MCP',
      })
    },
  )

  it('answers the CORS preflight and HEAD of the document, and lets other paths through', async () => {
    const { hono } = app(idp)
    const preflight = await hono.request('/.well-known/oauth-protected-resource/mcp', {
      method: 'OPTIONS',
      headers: { origin: 'https://app.example', 'access-control-request-method': 'GET' },
    })
    expect(preflight.status).toBe(204)
    expect(preflight.headers.get('access-control-allow-headers')).toBe('*')
    const head = await hono.request('/.well-known/oauth-protected-resource/mcp', { method: 'HEAD' })
    expect(head.status).toBe(200)
    expect(await head.text()).toBe('')
    expect((await hono.request('/.well-known/oauth-protected-resource/other')).status).toBe(404)
  })

  it('challenges a request without a token with resource_metadata and scope', async () => {
    const { hono, calls, codes } = app(idp)
    const before = idp.counts.jwks
    const response = await hono.request('/mcp', { method: 'POST' })
    expect(response.status).toBe(401)
    expect(response.headers.get('www-authenticate')).toBe(
      RS_CHALLENGE.missing('mcp:tools mcp:admin', METADATA_URL),
    )
    expect(await response.json()).toMatchObject({ error: 'unauthorized' })
    expect(codes).toEqual(['ERR_TOKEN_MISSING'])
    expect(calls()).toBe(0)
    expect(idp.counts.jwks).toBe(before)
  })

  it('binds the audience to the resource: a token for another resource on the same issuer is refused', async () => {
    const { hono, calls, codes } = app(idp)
    const mine = await idp.sign({ aud: RESOURCE, sub: 'alice' })
    const ok = await hono.request('/mcp', { method: 'POST', headers: { authorization: `Bearer ${mine}` } })
    expect(ok.status).toBe(200)
    const jwks = idp.counts.jwks
    for (const aud of ['https://mcp.example.com/other', 'https://mcp.example.com', `${RESOURCE}/`]) {
      const theirs = await idp.sign({ aud })
      const response = await hono.request('/mcp', {
        method: 'POST',
        headers: { authorization: `Bearer ${theirs}` },
      })
      await expectInvalidToken(response, 'mcp:tools mcp:admin', METADATA_URL)
    }
    expect(codes).toEqual(Array(3).fill('ERR_AUDIENCE_MISMATCH'))
    expect(calls()).toBe(1)
    expect(idp.counts.jwks).toBe(jwks)
  })

  it('answers 403 listing every scope the route requires, with resource_metadata', async () => {
    const { hono, calls, codes } = app(idp)
    const token = await idp.sign({ aud: RESOURCE, scope: 'mcp:tools' })
    const response = await hono.request('/mcp/admin', {
      method: 'POST',
      headers: { authorization: `Bearer ${token}` },
    })
    expect(response.status).toBe(403)
    expect(response.headers.get('www-authenticate')).toBe(
      RS_CHALLENGE.insufficientScope('mcp:tools mcp:admin', METADATA_URL),
    )
    expect(codes).toEqual(['ERR_INSUFFICIENT_SCOPE'])
    expect(calls()).toBe(0)
  })

  it('asks for step-up on a route that needs a stronger or fresher authentication', async () => {
    const { hono, calls, codes } = app(idp)
    const challenge = `Bearer realm="api", error="insufficient_user_authentication", error_description="A different authentication level is required", acr_values="mfa", max_age="60", resource_metadata="${METADATA_URL}"`
    for (const claims of [
      { acr: 'pwd', auth_time: NOW },
      { acr: 'mfa', auth_time: NOW - 61 },
      { acr: 'mfa' },
    ]) {
      const token = await idp.sign({ aud: RESOURCE, ...claims })
      const response = await hono.request('/mcp/billing', {
        method: 'POST',
        headers: { authorization: `Bearer ${token}` },
      })
      expect(response.status).toBe(401)
      expect(response.headers.get('www-authenticate')).toBe(challenge)
      expect(await response.json()).toEqual({
        error: 'insufficient_user_authentication',
        error_description: 'A different authentication level is required',
      })
    }
    expect(codes).toEqual(Array(3).fill('ERR_INSUFFICIENT_USER_AUTHENTICATION'))
    expect(calls()).toBe(0)
    const fresh = await idp.sign({ aud: RESOURCE, acr: 'mfa', auth_time: NOW - 60 })
    const ok = await hono.request('/mcp/billing', {
      method: 'POST',
      headers: { authorization: `Bearer ${fresh}` },
    })
    expect(ok.status).toBe(200)
    expect(calls()).toBe(1)
  })

  it('applies a middleware-wide step-up to every route', async () => {
    const { hono, calls } = app(idp, { stepUp: { acrValues: ['phr'] } })
    const token = await idp.sign({ aud: RESOURCE, acr: 'pwd' })
    const response = await hono.request('/mcp', {
      method: 'POST',
      headers: { authorization: `Bearer ${token}` },
    })
    expect(response.status).toBe(401)
    expect(response.headers.get('www-authenticate')).toContain('error="insufficient_user_authentication"')
    expect(response.headers.get('www-authenticate')).toContain('acr_values="phr"')
    expect(calls()).toBe(0)
  })

  it('takes an explicit audience instead of the resource, for an issuer that cannot bind it', async () => {
    const { hono } = app(idp, { audience: 'api://legacy' })
    const legacy = await idp.sign({ aud: 'api://legacy' })
    expect(
      (await hono.request('/mcp', { method: 'POST', headers: { authorization: `Bearer ${legacy}` } })).status,
    ).toBe(200)
    const bound = await idp.sign({ aud: RESOURCE })
    const refused = await hono.request('/mcp', {
      method: 'POST',
      headers: { authorization: `Bearer ${bound}` },
    })
    await expectInvalidToken(refused, 'mcp:tools mcp:admin', METADATA_URL)
  })

  it('requireStepUp without a verified identity answers the plain 401 challenge', async () => {
    const hono = new Hono<JwksAuthEnv>()
    let calls = 0
    hono.post('/open', requireStepUp({ maxAgeSeconds: 60 }), (c) => {
      calls += 1
      return c.text('ok')
    })
    const response = await hono.request('/open', { method: 'POST' })
    expect(response.status).toBe(401)
    expect(response.headers.get('www-authenticate')).toBe('Bearer realm="api"')
    expect(calls).toBe(0)
  })

  it('with DPoP on: the document names it, every challenge points at the document, step-up answers in DPoP', async () => {
    const client = await dpopClient()
    const { hono, calls, codes } = app(idp, {
      dpop: { algorithms: ['ES256'] },
      stepUp: { acrValues: ['mfa'] },
      now: Date.now,
    })
    await expectMetadata(await hono.request('/.well-known/oauth-protected-resource/mcp'), {
      resource: RESOURCE,
      authorization_servers: [idp.issuer],
      scopes_supported: ['mcp:tools', 'mcp:admin'],
      bearer_methods_supported: ['header'],
      resource_name: 'Test MCP',
      dpop_signing_alg_values_supported: ['ES256'],
      dpop_bound_access_tokens_required: false,
    })
    const missing = await hono.request('/mcp', { method: 'POST' })
    expect(missing.headers.get('www-authenticate')).toBe(
      `${RS_CHALLENGE.missing('mcp:tools mcp:admin', METADATA_URL)}, ` +
        `DPoP realm="api", algs="ES256", scope="mcp:tools mcp:admin", resource_metadata="${METADATA_URL}"`,
    )
    // The proof library dates proofs by the real clock, so the middleware and token use it too.
    const iat = Math.floor(Date.now() / 1000)
    const token = await idp.sign({ aud: RESOURCE, acr: 'pwd', cnf: { jkt: client.jkt }, iat, exp: iat + 300 })
    const proof = await client.proof(RESOURCE, 'POST', token)
    const weak = await hono.request(RESOURCE, {
      method: 'POST',
      headers: { authorization: `DPoP ${token}`, dpop: proof },
    })
    expect(weak.status).toBe(401)
    expect(weak.headers.get('www-authenticate')).toBe(
      'DPoP realm="api", algs="ES256", error="insufficient_user_authentication", ' +
        `error_description="A different authentication level is required", acr_values="mfa", resource_metadata="${METADATA_URL}"`,
    )
    expect(codes).toEqual(['ERR_TOKEN_MISSING', 'ERR_INSUFFICIENT_USER_AUTHENTICATION'])
    expect(calls()).toBe(0)
  })

  it('refuses a bad protectedResource or stepUp at construction, naming the option', () => {
    const base = { issuer: 'https://idp.example.com' }
    expect(() => jwksAuth({ ...base, protectedResource: { resource: 'https://x.example.com/a#b' } })).toThrow(
      VerifierConfigError,
    )
    expect(() => protectedResourceMetadata({ ...base, protectedResource: { resource: 'nope' } })).toThrow(
      /"resource"/,
    )
    expect(() => jwksAuth({ ...base, stepUp: { maxAgeSeconds: -5 } })).toThrow(/"stepUp"/)
    expect(() => requireStepUp({})).toThrow(/"requireStepUp"/)
  })
})
