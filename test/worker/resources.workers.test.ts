import { describe, expect, it } from 'vitest'
import { expectInvalidToken, expectMetadata, RS_CHALLENGE } from '../middleware/support/resource-server.js'
import { BODY, CHALLENGE, GATEWAY, harness, send } from './support/gateway.js'

const A = `${GATEWAY}/mcp-a`
const B = `${GATEWAY}/mcp-b`
const META_A = `${GATEWAY}/.well-known/oauth-protected-resource/mcp-a`
const META_B = `${GATEWAY}/.well-known/oauth-protected-resource/mcp-b`

/** Two MCP servers behind one gateway, each its own protected resource; no AUDIENCE unless `vars` sets one. */
async function twoResources(vars: Record<string, string> = {}) {
  const codes: string[] = []
  const h = await harness({
    vars: { RESOURCES: `${A},${B}`, SCOPES_SUPPORTED: 'mcp:tools', ...vars },
    gateway: { onEvent: (event) => void (event.type === 'verify_failed' && codes.push(event.code)) },
  })
  if (vars.AUDIENCE === undefined) delete h.env.AUDIENCE
  return { ...h, codes }
}

describe('gateway: several protected resources (RFC 9728, RFC 8707)', () => {
  it('serves each resource its own document, and no guess at the bare well-known URI', async () => {
    const h = await twoResources()
    for (const [path, resource] of [
      ['/.well-known/oauth-protected-resource/mcp-a', A],
      ['/.well-known/oauth-protected-resource/mcp-b', B],
    ] as const) {
      await expectMetadata(await h.send(path), {
        resource,
        authorization_servers: [h.idp.issuer],
        scopes_supported: ['mcp:tools'],
        bearer_methods_supported: ['header'],
      })
    }
    const preflight = await h.send('/.well-known/oauth-protected-resource/mcp-a', {
      method: 'OPTIONS',
      headers: { origin: 'https://app.example', 'access-control-request-method': 'GET' },
    })
    expect(preflight.status).toBe(204)
    expect(preflight.headers.get('access-control-allow-origin')).toBe('*')
    for (const path of [
      '/.well-known/oauth-protected-resource',
      '/.well-known/oauth-protected-resource/mcp-c',
    ]) {
      const response = await h.send(path)
      expect(response.status).toBe(404)
      expect(await response.json()).toEqual({
        error: 'not_found',
        error_description: 'No such protected resource',
      })
    }
    expect(h.upstream.calls).toHaveLength(0)
    expect(h.idp.counts).toMatchObject({ discovery: 0, jwks: 0 })
  })

  it("a token for /mcp-a passes on /mcp-a and is refused on /mcp-b with b's metadata", async () => {
    const h = await twoResources()
    const forA = await h.bearer({ aud: A })
    expect((await h.send('/mcp-a/tools', { headers: forA })).status).toBe(200)
    expect(h.upstream.calls).toHaveLength(1)
    const jwks = h.idp.counts.jwks
    await expectInvalidToken(await h.send('/mcp-b', { method: 'POST', headers: forA }), 'mcp:tools', META_B)
    expect(h.codes).toEqual(['ERR_AUDIENCE_MISMATCH'])
    expect(h.upstream.calls).toHaveLength(1)
    expect(h.idp.counts.jwks).toBe(jwks)
  })

  it('refuses a token for another resource, or without aud, on a cold cache without fetching a key', async () => {
    const h = await twoResources({ CLIENT_IDS: 'orders-client' })
    const forA = await h.bearer({ aud: A })
    await expectInvalidToken(await h.send('/mcp-b', { method: 'POST', headers: forA }), 'mcp:tools', META_B)
    const withoutAud = await h.bearer({ aud: undefined, client_id: 'orders-client' })
    await expectInvalidToken(
      await h.send('/mcp-b', { method: 'POST', headers: withoutAud }),
      'mcp:tools',
      META_B,
    )
    expect(h.codes).toEqual(['ERR_AUDIENCE_MISMATCH', 'ERR_CLAIM_INVALID'])
    expect(h.upstream.calls).toHaveLength(0)
    expect(h.idp.counts).toMatchObject({ discovery: 0, jwks: 0 })
    // The same token, cached once verified on its own resource, is still refused on the other.
    expect((await h.send('/mcp-a', { headers: forA })).status).toBe(200)
    await expectInvalidToken(await h.send('/mcp-b', { headers: forA }), 'mcp:tools', META_B)
    expect(h.idp.counts).toMatchObject({ discovery: 1, jwks: 1 })
  })

  it('challenges a request without a token with the document of the resource it asked for', async () => {
    const h = await twoResources()
    const response = await h.send('/mcp-a', { method: 'POST' })
    expect(response.status).toBe(401)
    expect(response.headers.get('www-authenticate')).toBe(RS_CHALLENGE.missing('mcp:tools', META_A))
    expect(h.upstream.calls).toHaveLength(0)
    expect(h.idp.counts).toMatchObject({ discovery: 0, jwks: 0 })
  })

  it('names its configured metadata URL whatever host the request came in on', async () => {
    const h = await twoResources()
    const response = await send(
      h.gateway,
      h.env,
      new Request('https://evil.example/mcp-a', { method: 'POST' }),
    )
    expect(response.headers.get('www-authenticate')).toBe(RS_CHALLENGE.missing('mcp:tools', META_A))
  })

  it('answers 404 for a path under no resource when AUDIENCE is unset', async () => {
    const h = await twoResources()
    const response = await h.send('/mcp-ab', { headers: await h.bearer({ aud: A }) })
    expect(response.status).toBe(404)
    expect(h.upstream.calls).toHaveLength(0)
  })

  it('keeps AUDIENCE for paths under no resource, never letting a resource token through there', async () => {
    const h = await harness({ vars: { RESOURCES: A } })
    expect((await h.send('/orders', { headers: await h.bearer() })).status).toBe(200)
    const forA = await h.bearer({ aud: A })
    const refused = await h.send('/orders', { headers: forA })
    expect(refused.status).toBe(401)
    expect(refused.headers.get('www-authenticate')).toBe(
      'Bearer realm="api", error="invalid_token", error_description="The access token is invalid"',
    )
    expect(h.upstream.calls).toHaveLength(1)
  })

  it('lists every required scope on 403, and answers a foreign token 401 before looking at scopes', async () => {
    const h = await twoResources({ REQUIRED_SCOPES: 'mcp:tools mcp:write' })
    const narrow = await h.send('/mcp-a', { headers: await h.bearer({ aud: A, scope: 'mcp:tools' }) })
    expect(narrow.status).toBe(403)
    expect(narrow.headers.get('www-authenticate')).toBe(
      RS_CHALLENGE.insufficientScope('mcp:tools mcp:write', META_A),
    )
    const foreign = await h.send('/mcp-a', { headers: await h.bearer({ aud: B, scope: 'mcp:tools' }) })
    await expectInvalidToken(foreign, 'mcp:tools mcp:write', META_A)
    expect(h.codes).toEqual(['ERR_INSUFFICIENT_SCOPE', 'ERR_AUDIENCE_MISMATCH'])
    expect(h.upstream.calls).toHaveLength(0)
  })

  it('asks for step-up (RFC 9470) when acr or auth_time fall short', async () => {
    const h = await twoResources({ STEP_UP_ACR_VALUES: 'mfa hwk', STEP_UP_MAX_AGE: '300' })
    const now = Math.floor(h.clock.now() / 1000)
    const challenge = `Bearer realm="api", error="insufficient_user_authentication", error_description="A different authentication level is required", acr_values="mfa hwk", max_age="300", resource_metadata="${META_B}"`
    for (const claims of [
      { acr: 'pwd', auth_time: now },
      { acr: 'mfa', auth_time: now - 301 },
      { acr: 'hwk' },
    ]) {
      const response = await h.send('/mcp-b', { headers: await h.bearer({ aud: B, ...claims }) })
      expect(response.status).toBe(401)
      expect(response.headers.get('www-authenticate')).toBe(challenge)
      expect(await response.json()).toEqual({
        error: 'insufficient_user_authentication',
        error_description: 'A different authentication level is required',
      })
    }
    expect(h.upstream.calls).toHaveLength(0)
    expect(h.codes).toEqual(Array(3).fill('ERR_INSUFFICIENT_USER_AUTHENTICATION'))
    const ok = await h.send('/mcp-b', {
      headers: await h.bearer({ aud: B, acr: 'hwk', auth_time: now - 300 }),
    })
    expect(ok.status).toBe(200)
  })

  it('applies step-up only under STEP_UP_PATHS when it is set', async () => {
    const h = await twoResources({ STEP_UP_ACR_VALUES: 'mfa', STEP_UP_PATHS: '/mcp-b/admin' })
    expect((await h.send('/mcp-b/tools', { headers: await h.bearer({ aud: B, acr: 'pwd' }) })).status).toBe(
      200,
    )
    const admin = await h.send('/mcp-b/admin/users', { headers: await h.bearer({ aud: B, acr: 'pwd' }) })
    expect(admin.status).toBe(401)
    expect(admin.headers.get('www-authenticate')).toContain('error="insufficient_user_authentication"')
    expect(h.codes).toEqual(['ERR_INSUFFICIENT_USER_AUTHENTICATION'])
    expect(h.upstream.calls).toHaveLength(1)
  })

  it("does not pass the client's token on by default (FORWARD_TOKEN=false with RESOURCES); true still does", async () => {
    const h = await twoResources()
    await h.send('/mcp-a', { headers: await h.bearer({ aud: A }) })
    expect(h.upstream.calls[0]?.headers.get('authorization')).toBeNull()
    expect(h.upstream.calls[0]?.headers.get('x-auth-subject')).toBe('user-1')
    const forwarding = await twoResources({ FORWARD_TOKEN: 'true' })
    const token = await forwarding.bearer({ aud: A })
    await forwarding.send('/mcp-a', { headers: token })
    expect(forwarding.upstream.calls[0]?.headers.get('authorization')).toBe(token.authorization)
  })

  it('on a public path, a token for another resource only makes the request anonymous', async () => {
    const h = await twoResources({ PUBLIC_PATHS: '/mcp-b/docs', FORWARD_TOKEN: 'true' })
    const response = await h.send('/mcp-b/docs', { headers: await h.bearer({ aud: A }) })
    expect(response.status).toBe(200)
    expect(h.upstream.calls[0]?.headers.get('authorization')).toBeNull()
    expect(h.upstream.calls[0]?.headers.get('x-auth-subject')).toBeNull()
    expect(h.codes).toEqual(['ERR_AUDIENCE_MISMATCH'])
  })

  it('serves a root resource at the bare well-known URI, with its AUTHORIZATION_SERVERS', async () => {
    const h = await harness({
      vars: { RESOURCES: 'https://Gateway.test/', AUTHORIZATION_SERVERS: 'https://as.example.com/tenant' },
    })
    delete h.env.AUDIENCE
    const response = await h.send('/.well-known/oauth-protected-resource')
    expect(await response.json()).toEqual({
      resource: GATEWAY,
      authorization_servers: ['https://as.example.com/tenant'],
      bearer_methods_supported: ['header'],
    })
    const missing = await h.send('/anything')
    expect(missing.headers.get('www-authenticate')).toBe(
      `Bearer realm="api", resource_metadata="${GATEWAY}/.well-known/oauth-protected-resource"`,
    )
    expect((await h.send('/anything', { headers: await h.bearer({ aud: GATEWAY }) })).status).toBe(200)
  })
})

describe('gateway: RESOURCES with CLIENT_IDS', () => {
  const CLIENT = 'orders-client'
  /** Tokens without aud from the listed client: Cognito (no aud, client_id), Ory (aud: []), azp only. */
  const WITHOUT_AUD = [
    ['no aud, client_id', { aud: undefined, client_id: CLIENT }, 'ERR_CLAIM_INVALID'],
    ['aud: [], client_id', { aud: [], client_id: CLIENT }, 'ERR_AUDIENCE_MISMATCH'],
    ['no aud, azp', { aud: undefined, azp: CLIENT }, 'ERR_CLAIM_INVALID'],
  ] as const

  it('a resource path refuses a token without aud even from a listed client: 401 with its metadata, before its scopes', async () => {
    const h = await twoResources({ CLIENT_IDS: CLIENT, REQUIRED_SCOPES: 'mcp:tools' })
    const warm = await h.send('/mcp-a', { headers: await h.bearer({ aud: A, scope: 'mcp:tools' }) })
    expect(warm.status).toBe(200)
    for (const [, claims] of WITHOUT_AUD) {
      // No scope either: the audience is judged first, so the answer is 401, not 403.
      const response = await h.send('/mcp-a/tools', { method: 'POST', headers: await h.bearer(claims) })
      await expectInvalidToken(response, 'mcp:tools', META_A)
    }
    expect(h.codes).toEqual(WITHOUT_AUD.map(([, , code]) => code))
    expect(h.upstream.calls).toHaveLength(1)
    expect(h.idp.counts).toMatchObject({ discovery: 1, jwks: 1 })
  })

  it("a listed client's token for /mcp-a is refused on /mcp-b with b's metadata", async () => {
    const h = await twoResources({ CLIENT_IDS: CLIENT })
    const forA = await h.bearer({ aud: A, client_id: CLIENT })
    expect((await h.send('/mcp-a', { headers: forA })).status).toBe(200)
    await expectInvalidToken(await h.send('/mcp-b', { method: 'POST', headers: forA }), 'mcp:tools', META_B)
    expect(h.codes).toEqual(['ERR_AUDIENCE_MISMATCH'])
    expect(h.upstream.calls).toHaveLength(1)
    expect(h.idp.counts).toMatchObject({ discovery: 1, jwks: 1 })
  })

  it('with AUDIENCE, a path under no resource takes AUDIENCE tokens and tokens without aud from a listed client', async () => {
    const h = await twoResources({ CLIENT_IDS: CLIENT, AUDIENCE: 'https://orders.example.com' })
    const accepted = [{ aud: 'https://orders.example.com' }, ...WITHOUT_AUD.map(([, claims]) => claims)]
    for (const claims of accepted) {
      const response = await h.send('/orders', { headers: await h.bearer({ sub: 'jane', ...claims }) })
      expect(response.status).toBe(200)
    }
    expect(h.upstream.calls.map((call) => call.headers.get('x-auth-subject'))).toEqual(
      Array(accepted.length).fill('jane'),
    )
    expect(h.codes).toEqual([])
    expect(h.idp.counts).toMatchObject({ discovery: 1, jwks: 1 })
  })

  it('without AUDIENCE, a path under no resource is open to the listed clients instead of 404', async () => {
    const h = await twoResources({ CLIENT_IDS: CLIENT })
    for (const [, claims] of WITHOUT_AUD) {
      expect((await h.send('/orders', { headers: await h.bearer(claims) })).status).toBe(200)
    }
    expect(h.upstream.calls).toHaveLength(WITHOUT_AUD.length)
    expect(h.idp.counts).toMatchObject({ discovery: 1, jwks: 1 })
  })

  it('a path under no resource refuses a resource token and an unlisted client: 401 without resource_metadata', async () => {
    const h = await twoResources({ CLIENT_IDS: CLIENT })
    expect(
      (await h.send('/orders', { headers: await h.bearer({ aud: undefined, client_id: CLIENT }) })).status,
    ).toBe(200)
    for (const claims of [
      { aud: A, client_id: CLIENT },
      { aud: undefined, client_id: 'another-client' },
    ]) {
      const response = await h.send('/orders', { method: 'POST', headers: await h.bearer(claims) })
      expect(response.status).toBe(401)
      expect(response.headers.get('www-authenticate')).toBe(CHALLENGE.invalidToken)
      expect(await response.json()).toEqual(BODY.invalidToken)
    }
    expect(h.codes).toEqual(['ERR_AUDIENCE_MISMATCH', 'ERR_AUDIENCE_MISMATCH'])
    const missing = await h.send('/orders')
    expect(missing.status).toBe(401)
    expect(missing.headers.get('www-authenticate')).toBe(CHALLENGE.missing)
    expect(await missing.json()).toEqual(BODY.missing)
    expect(h.upstream.calls).toHaveLength(1)
    expect(h.idp.counts).toMatchObject({ discovery: 1, jwks: 1 })
  })
})
