import { describe, expect, it } from 'vitest'
import { httpAnswer, INVALID_TOKEN_CODES, JwtAuthError } from '../../src/index.js'

describe('httpAnswer (SPEC §5)', () => {
  it('answers a missing token with 401 and a bare challenge', () => {
    expect(httpAnswer('ERR_TOKEN_MISSING', { realm: 'api' })).toEqual({
      status: 401,
      headers: {
        'content-type': 'application/json',
        'cache-control': 'no-store',
        'www-authenticate': 'Bearer realm="api"',
      },
      body: { error: 'unauthorized', error_description: 'A bearer token is required' },
    })
  })

  it('answers an empty or repeated token with 400 invalid_request', () => {
    const answer = httpAnswer(new JwtAuthError('ERR_REQUEST_INVALID'), { realm: 'api' })
    expect(answer.status).toBe(400)
    expect(answer.headers['www-authenticate']).toBe('Bearer realm="api", error="invalid_request"')
    expect(answer.body?.error).toBe('invalid_request')
  })

  it.each(INVALID_TOKEN_CODES)('answers %s with one generic 401 invalid_token', (code) => {
    const answer = httpAnswer(code, { realm: 'api' })
    expect(answer.status).toBe(401)
    expect(answer.headers['www-authenticate']).toBe(
      'Bearer realm="api", error="invalid_token", error_description="The access token is invalid"',
    )
    expect(answer.body).toEqual({ error: 'invalid_token', error_description: 'The access token is invalid' })
  })

  it('answers a missing scope with 403 and the scope attribute', () => {
    const answer = httpAnswer(
      new JwtAuthError('ERR_INSUFFICIENT_SCOPE', { requiredScopes: ['read', 'admin'] }),
    )
    expect(answer.status).toBe(403)
    expect(answer.headers['www-authenticate']).toBe(
      'Bearer realm="api", error="insufficient_scope", scope="read admin"',
    )
  })

  it('answers unavailable keys with 503, Retry-After and no challenge', () => {
    const answer = httpAnswer(new JwtAuthError('ERR_JWKS_UNAVAILABLE', { retryAfterSeconds: 7 }))
    expect(answer.status).toBe(503)
    expect(answer.headers['retry-after']).toBe('7')
    expect(answer.headers['www-authenticate']).toBeUndefined()
  })

  it('sends no body for HEAD', () => {
    expect(httpAnswer('ERR_TOKEN_EXPIRED', { method: 'HEAD' }).body).toBeNull()
    expect(httpAnswer('ERR_TOKEN_EXPIRED', { method: 'head' }).status).toBe(401)
  })

  it('escapes the realm as a quoted-string', () => {
    const answer = httpAnswer('ERR_TOKEN_MISSING', { realm: 'a "b" \\ c\r\nX-Injected: 1' })
    expect(answer.headers['www-authenticate']).toBe('Bearer realm="a \\"b\\" \\\\ cX-Injected: 1"')
  })

  it('never puts the reason, a claim or a kid in the answer', () => {
    const error = new JwtAuthError('ERR_TOKEN_EXPIRED')
    expect(JSON.stringify(httpAnswer(error))).not.toMatch(/expired/i)
    expect(error.message).toBe('token has expired')
  })
})
