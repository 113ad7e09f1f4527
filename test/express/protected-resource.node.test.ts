import express from 'express'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  type JwksAuthOptions,
  jwksAuth,
  protectedResourceMetadata,
  requireScopes,
  requireStepUp,
} from '../../src/express/index.js'
import { createTestIssuer, type TestIssuer } from '../../src/testing/index.js'
import { manualClock } from '../helpers/clock.js'
import { type Listening, listen } from '../middleware/support/express-app.js'
import { expectInvalidToken, expectMetadata, RS_CHALLENGE } from '../middleware/support/resource-server.js'

const clock = manualClock()
const NOW = Math.floor(clock.now() / 1000)

describe('Express: the protected resource front door (RFC 9728, RFC 8707, RFC 9470)', () => {
  let idp: TestIssuer
  let server: Listening
  let resource: string
  let metadataUrl: string
  let calls = 0

  beforeAll(async () => {
    idp = await createTestIssuer({ now: clock.now })
    let app: express.Express | undefined
    server = await listen((req, res) => app?.(req, res))
    resource = `${server.url}/mcp`
    metadataUrl = `${server.url}/.well-known/oauth-protected-resource/mcp`
    const options: JwksAuthOptions = {
      issuer: idp.issuer,
      fetch: idp.fetch,
      now: clock.now,
      protectedResource: {
        resource,
        scopesSupported: ['mcp:tools'],
        resourceDocumentation: 'https://docs.example.com',
      },
    }
    app = express()
    app.use(protectedResourceMetadata(options))
    app.use('/mcp', jwksAuth(options))
    app.post('/mcp', (_req, res) => {
      calls += 1
      res.json({ ok: true })
    })
    app.post('/mcp/admin', requireScopes('mcp:tools', 'mcp:admin'), (_req, res) => {
      calls += 1
      res.json({ ok: true })
    })
    app.post('/open/billing', requireStepUp({ acrValues: ['mfa'] }), (_req, res) => {
      calls += 1
      res.json({ ok: true })
    })
    app.post('/mcp/billing', requireStepUp({ maxAgeSeconds: 30 }), (_req, res) => {
      calls += 1
      res.json({ ok: true })
    })
  })

  afterAll(() => server.close())

  const post = (path: string, token?: string) =>
    fetch(`${server.url}${path}`, {
      method: 'POST',
      headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
    })

  it.each(['/.well-known/oauth-protected-resource/mcp', '/.well-known/oauth-protected-resource'])(
    'serves the document at %s with JSON, caching and CORS headers',
    async (path) => {
      await expectMetadata(await fetch(`${server.url}${path}`), {
        resource,
        authorization_servers: [idp.issuer],
        scopes_supported: ['mcp:tools'],
        bearer_methods_supported: ['header'],
        resource_documentation: 'https://docs.example.com',
      })
    },
  )

  it('answers the preflight with 204 and a POST to the document with 405', async () => {
    const preflight = await fetch(`${server.url}/.well-known/oauth-protected-resource/mcp`, {
      method: 'OPTIONS',
      headers: { origin: 'https://app.example', 'access-control-request-method': 'GET' },
    })
    expect(preflight.status).toBe(204)
    expect(preflight.headers.get('access-control-allow-methods')).toBe('GET, HEAD, OPTIONS')
    const head = await fetch(`${server.url}/.well-known/oauth-protected-resource/mcp`, { method: 'HEAD' })
    expect(head.status).toBe(200)
    expect(head.headers.get('content-type')).toBe('application/json')
    expect(await head.text()).toBe('')
    const wrong = await fetch(`${server.url}/.well-known/oauth-protected-resource/mcp`, { method: 'POST' })
    expect(wrong.status).toBe(405)
    expect(wrong.headers.get('allow')).toBe('GET, HEAD, OPTIONS')
  })

  it('points every challenge at the document: 401, audience refusal, 403 and step-up', async () => {
    const jwks = idp.counts.jwks
    const missing = await post('/mcp')
    expect(missing.status).toBe(401)
    expect(missing.headers.get('www-authenticate')).toBe(RS_CHALLENGE.missing('mcp:tools', metadataUrl))
    expect(idp.counts.jwks).toBe(jwks)

    const foreign = await post('/mcp', await idp.sign({ aud: `${server.url}/other` }))
    await expectInvalidToken(foreign, 'mcp:tools', metadataUrl)

    const narrow = await post('/mcp/admin', await idp.sign({ aud: resource, scope: 'mcp:tools' }))
    expect(narrow.status).toBe(403)
    expect(narrow.headers.get('www-authenticate')).toBe(
      RS_CHALLENGE.insufficientScope('mcp:tools mcp:admin', metadataUrl),
    )

    const stale = await post('/mcp/billing', await idp.sign({ aud: resource, auth_time: NOW - 31 }))
    expect(stale.status).toBe(401)
    expect(stale.headers.get('www-authenticate')).toBe(
      `Bearer realm="api", error="insufficient_user_authentication", error_description="A different authentication level is required", max_age="30", resource_metadata="${metadataUrl}"`,
    )
    expect(calls).toBe(0)

    const unguarded = await post('/open/billing')
    expect(unguarded.status).toBe(401)
    expect(unguarded.headers.get('www-authenticate')).toBe('Bearer realm="api"')
    expect(calls).toBe(0)

    const fresh = await post('/mcp/billing', await idp.sign({ aud: resource, auth_time: NOW - 30 }))
    expect(fresh.status).toBe(200)
    expect(calls).toBe(1)
  })
})
