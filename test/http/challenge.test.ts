import { describe, expect, it } from 'vitest'
import { challenge } from '../../src/http/answer.js'
import { httpAnswer, JwtAuthError } from '../../src/index.js'

const METADATA = 'https://mcp.example.com/.well-known/oauth-protected-resource/mcp'

describe('httpAnswer: resource-server challenge parameters (RFC 9728 §5.1, RFC 6750 §3, RFC 9470 §3)', () => {
  it('names the metadata document and the scope on a missing-token 401', () => {
    const answer = httpAnswer('ERR_TOKEN_MISSING', {
      resourceMetadata: METADATA,
      scope: ['mcp:tools', 'mcp:read'],
    })
    expect(answer.status).toBe(401)
    expect(answer.headers['www-authenticate']).toBe(
      `Bearer realm="api", scope="mcp:tools mcp:read", resource_metadata="${METADATA}"`,
    )
  })

  it('keeps the invalid-token 401 generic while pointing at the metadata', () => {
    const answer = httpAnswer('ERR_AUDIENCE_MISMATCH', { resourceMetadata: METADATA, scope: ['mcp:tools'] })
    expect(answer.status).toBe(401)
    expect(answer.headers['www-authenticate']).toBe(
      `Bearer realm="api", error="invalid_token", error_description="The access token is invalid", scope="mcp:tools", resource_metadata="${METADATA}"`,
    )
    expect(answer.body).toEqual({ error: 'invalid_token', error_description: 'The access token is invalid' })
  })

  it('lists every required scope on 403 and adds resource_metadata', () => {
    const error = new JwtAuthError('ERR_INSUFFICIENT_SCOPE', { requiredScopes: ['a', 'b', 'c'] })
    const answer = httpAnswer(error, { resourceMetadata: METADATA, scope: ['ignored'] })
    expect(answer.status).toBe(403)
    expect(answer.headers['www-authenticate']).toBe(
      `Bearer realm="api", error="insufficient_scope", scope="a b c", resource_metadata="${METADATA}"`,
    )
  })

  it('adds resource_metadata to the 400 challenge, and nothing to a 503', () => {
    const bad = httpAnswer('ERR_REQUEST_INVALID', { resourceMetadata: METADATA })
    expect(bad.headers['www-authenticate']).toBe(
      `Bearer realm="api", error="invalid_request", resource_metadata="${METADATA}"`,
    )
    const down = httpAnswer('ERR_JWKS_UNAVAILABLE', { resourceMetadata: METADATA })
    expect(down.headers['www-authenticate']).toBeUndefined()
  })

  it('answers a step-up need with 401 insufficient_user_authentication, acr_values and max_age', () => {
    const error = new JwtAuthError('ERR_INSUFFICIENT_USER_AUTHENTICATION', {
      acrValues: ['urn:mace:incommon:iap:silver', 'mfa'],
      maxAgeSeconds: 300,
    })
    const answer = httpAnswer(error, { resourceMetadata: METADATA })
    expect(answer.status).toBe(401)
    expect(answer.headers['www-authenticate']).toBe(
      'Bearer realm="api", error="insufficient_user_authentication", ' +
        'error_description="A different authentication level is required", ' +
        `acr_values="urn:mace:incommon:iap:silver mfa", max_age="300", resource_metadata="${METADATA}"`,
    )
    expect(answer.body).toEqual({
      error: 'insufficient_user_authentication',
      error_description: 'A different authentication level is required',
    })
  })

  it('names only what the step-up error carries', () => {
    const acrOnly = httpAnswer(
      new JwtAuthError('ERR_INSUFFICIENT_USER_AUTHENTICATION', { acrValues: ['mfa'] }),
    )
    expect(acrOnly.headers['www-authenticate']).toMatch(/, acr_values="mfa"$/)
    const ageOnly = httpAnswer(new JwtAuthError('ERR_INSUFFICIENT_USER_AUTHENTICATION', { maxAgeSeconds: 0 }))
    expect(ageOnly.headers['www-authenticate']).toMatch(/, max_age="0"$/)
  })

  it('escapes quoted-string values exactly (RFC 9110 §5.6.4)', () => {
    const answer = httpAnswer('ERR_TOKEN_MISSING', { realm: 'a "q" \\ b\r\n', resourceMetadata: METADATA })
    expect(answer.headers['www-authenticate']).toBe(
      `Bearer realm="a \\"q\\" \\\\ b", resource_metadata="${METADATA}"`,
    )
  })

  it('leaves the challenge unchanged without resource-server options', () => {
    expect(httpAnswer('ERR_TOKEN_MISSING').headers['www-authenticate']).toBe('Bearer realm="api"')
  })
})

describe('challenge (RFC 9110 §11.6.1)', () => {
  it('writes a scheme and quoted auth-params, skipping undefined ones', () => {
    expect(
      challenge('DPoP', [
        ['algs', 'ES256 EdDSA'],
        ['error', undefined],
        ['x', 'a"b'],
      ]),
    ).toBe('DPoP algs="ES256 EdDSA", x="a\\"b"')
    expect(challenge('Bearer', [])).toBe('Bearer')
  })
})
