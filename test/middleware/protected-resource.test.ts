import { describe, expect, it } from 'vitest'
import {
  canonicalResource,
  metadataAnswer,
  PROTECTED_RESOURCE_WELL_KNOWN,
  resolveProtectedResource,
  wellKnownMetadataPath,
} from '../../src/middleware/protected-resource.js'
import { checkStepUp } from '../../src/middleware/step-up.js'
import { VerifierConfigError } from '../../src/verifier/config.js'

const ISSUERS = ['https://idp.example.com']

describe('canonicalResource (RFC 8707 §2)', () => {
  it('lower-cases scheme and host, drops a default port, keeps the path as written', () => {
    expect(canonicalResource('HTTPS://MCP.Example.COM:443/Tools/MCP')).toBe(
      'https://mcp.example.com/Tools/MCP',
    )
    expect(canonicalResource('https://mcp.example.com:8443/mcp/')).toBe('https://mcp.example.com:8443/mcp/')
  })

  it('writes a root resource without a trailing slash', () => {
    expect(canonicalResource('https://mcp.example.com/')).toBe('https://mcp.example.com')
    expect(canonicalResource('https://mcp.example.com')).toBe('https://mcp.example.com')
  })

  it.each([
    ['a fragment', 'https://mcp.example.com/mcp#x'],
    ['an empty fragment', 'https://mcp.example.com/mcp#'],
    ['a query', 'https://mcp.example.com/mcp?tenant=1'],
    ['credentials', 'https://user:pw@mcp.example.com/mcp'],
    ['plain http off loopback', 'http://mcp.example.com/mcp'],
    ['a relative reference', '/mcp'],
    ['another scheme', 'urn:example:mcp'],
  ])('refuses %s', (_, value) => {
    expect(() => canonicalResource(value)).toThrow(VerifierConfigError)
  })

  it('accepts http on loopback, for local development', () => {
    expect(canonicalResource('http://127.0.0.1:8787/mcp')).toBe('http://127.0.0.1:8787/mcp')
  })
})

describe('wellKnownMetadataPath (RFC 9728 §3.1)', () => {
  it('inserts the well-known segment between host and path', () => {
    expect(wellKnownMetadataPath('https://mcp.example.com/tools/mcp')).toBe(
      '/.well-known/oauth-protected-resource/tools/mcp',
    )
    expect(wellKnownMetadataPath('https://mcp.example.com')).toBe(PROTECTED_RESOURCE_WELL_KNOWN)
  })
})

describe('resolveProtectedResource (RFC 9728 §2)', () => {
  it('builds the document, defaulting authorization_servers to the issuers', () => {
    const resolved = resolveProtectedResource(
      {
        resource: 'https://MCP.example.com/mcp',
        scopesSupported: ['mcp:tools', 'mcp:read'],
        resourceName: 'Example MCP',
        resourceDocumentation: 'https://docs.example.com/mcp',
        resourcePolicyUri: 'https://example.com/policy',
        resourceTosUri: 'https://example.com/tos',
        jwksUri: 'https://mcp.example.com/.well-known/jwks.json',
        resourceSigningAlgValuesSupported: ['ES256'],
        authorizationDetailsTypesSupported: ['payment_initiation'],
      },
      { issuers: ISSUERS, bearerMethods: ['header'] },
    )
    expect(resolved.resource).toBe('https://mcp.example.com/mcp')
    expect(resolved.metadataUrl).toBe('https://mcp.example.com/.well-known/oauth-protected-resource/mcp')
    expect(resolved.wellKnownPath).toBe('/.well-known/oauth-protected-resource/mcp')
    expect(resolved.document).toEqual({
      resource: 'https://mcp.example.com/mcp',
      authorization_servers: ['https://idp.example.com'],
      scopes_supported: ['mcp:tools', 'mcp:read'],
      bearer_methods_supported: ['header'],
      resource_signing_alg_values_supported: ['ES256'],
      resource_name: 'Example MCP',
      resource_documentation: 'https://docs.example.com/mcp',
      resource_policy_uri: 'https://example.com/policy',
      resource_tos_uri: 'https://example.com/tos',
      jwks_uri: 'https://mcp.example.com/.well-known/jwks.json',
      authorization_details_types_supported: ['payment_initiation'],
    })
  })

  it('takes explicit authorization servers and leaves out what is not set', () => {
    const resolved = resolveProtectedResource(
      { resource: 'https://api.example.com', authorizationServers: ['https://as.example.com/tenant'] },
      { issuers: ISSUERS, bearerMethods: ['header', 'query'] },
    )
    expect(resolved.document).toEqual({
      resource: 'https://api.example.com',
      authorization_servers: ['https://as.example.com/tenant'],
      bearer_methods_supported: ['header', 'query'],
    })
    expect(resolved.metadataUrl).toBe('https://api.example.com/.well-known/oauth-protected-resource')
  })

  it("states the face's DPoP policy (RFC 9728 §2 dpop_* members)", () => {
    const { document } = resolveProtectedResource(
      { resource: 'https://api.example.com' },
      { issuers: ISSUERS, bearerMethods: ['header'], dpop: { algorithms: ['ES256', 'EdDSA'], only: true } },
    )
    expect(document).toMatchObject({
      dpop_signing_alg_values_supported: ['ES256', 'EdDSA'],
      dpop_bound_access_tokens_required: true,
    })
  })

  it.each([
    ['resource', { resource: 'https://x.example.com/#f' }],
    ['authorizationServers', { resource: 'https://x.example.com', authorizationServers: ['ftp://as'] }],
    ['authorizationServers', { resource: 'https://x.example.com', authorizationServers: [] }],
    ['scopesSupported', { resource: 'https://x.example.com', scopesSupported: ['read write'] }],
    ['resourceDocumentation', { resource: 'https://x.example.com', resourceDocumentation: 'docs' }],
    ['resourceName', { resource: 'https://x.example.com', resourceName: 3 }],
    ['protectedResource', { resource: 'https://x.example.com', scopes: ['read'] }],
  ])('refuses a bad %s at construction, naming it', (option, options) => {
    expect(() =>
      resolveProtectedResource(options as never, { issuers: ISSUERS, bearerMethods: ['header'] }),
    ).toThrow(new RegExp(`"${option}"`))
  })
})

describe('checkStepUp', () => {
  it('keeps a valid requirement and refuses a bad one, naming the option', () => {
    expect(checkStepUp({ acrValues: ['mfa'], maxAgeSeconds: 0 }, 'stepUp')).toEqual({
      acrValues: ['mfa'],
      maxAgeSeconds: 0,
    })
    expect(checkStepUp(undefined, 'stepUp')).toBeUndefined()
    for (const bad of [
      {},
      { maxAgeSeconds: -1 },
      { maxAgeSeconds: 1.5 },
      { acrValues: [] },
      { acrValues: ['a b'] },
      { acr: ['x'] },
      'mfa',
    ]) {
      expect(() => checkStepUp(bad, 'stepUp')).toThrow(/"stepUp"/)
    }
  })
})

describe('metadataAnswer', () => {
  const { document } = resolveProtectedResource(
    { resource: 'https://mcp.example.com/mcp' },
    { issuers: ISSUERS, bearerMethods: ['header'] },
  )

  it('serves the document as cacheable, CORS-open JSON', () => {
    const answer = metadataAnswer('GET', document)
    expect(answer.status).toBe(200)
    expect(answer.headers).toEqual({
      'content-type': 'application/json',
      'cache-control': 'public, max-age=3600',
      'access-control-allow-origin': '*',
    })
    expect(JSON.parse(answer.body ?? '')).toEqual(document)
  })

  it('answers HEAD without a body, a preflight with 204, other methods with 405', () => {
    expect(metadataAnswer('HEAD', document)).toMatchObject({ status: 200, body: null })
    const preflight = metadataAnswer('OPTIONS', document)
    expect(preflight.status).toBe(204)
    expect(preflight.body).toBeNull()
    expect(preflight.headers).toMatchObject({
      'access-control-allow-origin': '*',
      'access-control-allow-methods': 'GET, HEAD, OPTIONS',
      'access-control-allow-headers': '*',
    })
    const post = metadataAnswer('POST', document)
    expect(post.status).toBe(405)
    expect(post.headers.allow).toBe('GET, HEAD, OPTIONS')
  })
})
