import { describe, expect, it } from 'vitest'
import { httpAnswer, INVALID_TOKEN_CODES, JwtAuthError } from '../../src/index.js'

describe('httpAnswer (docs/middleware.md#http-answers)', () => {
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

describe('httpAnswer: DPoP challenges (RFC 9449 §7.1)', () => {
  const dpop = { algorithms: ['ES256', 'EdDSA'], only: false }

  it('offers both schemes to a request without credentials, only DPoP when DPoP-only', () => {
    expect(httpAnswer('ERR_TOKEN_MISSING', { dpop }).headers['www-authenticate']).toBe(
      'Bearer realm="api", DPoP realm="api", algs="ES256 EdDSA"',
    )
    const only = httpAnswer('ERR_DPOP_REQUIRED', { dpop: { ...dpop, only: true } })
    expect(only.status).toBe(401)
    expect(only.headers['www-authenticate']).toBe('DPoP realm="api", algs="ES256 EdDSA"')
  })

  it.each(['ERR_DPOP_PROOF_INVALID', 'ERR_DPOP_PROOF_REPLAYED'] as const)(
    'answers %s with invalid_dpop_proof',
    (code) => {
      const answer = httpAnswer(new JwtAuthError(code, { scheme: 'DPoP' }), { dpop })
      expect(answer.status).toBe(401)
      expect(answer.headers['www-authenticate']).toBe(
        'DPoP realm="api", algs="ES256 EdDSA", error="invalid_dpop_proof", error_description="The DPoP proof is invalid"',
      )
      expect(answer.body?.error).toBe('invalid_dpop_proof')
    },
  )

  it('answers a token problem under the DPoP scheme with a DPoP invalid_token challenge', () => {
    const answer = httpAnswer(new JwtAuthError('ERR_TOKEN_BINDING_MISMATCH', { scheme: 'DPoP' }), { dpop })
    expect(answer.status).toBe(401)
    expect(answer.headers['www-authenticate']).toBe(
      'DPoP realm="api", algs="ES256 EdDSA", error="invalid_token", error_description="The access token is invalid"',
    )
  })

  it('answers an unreachable replay store with 503, Retry-After and no challenge', () => {
    const answer = httpAnswer(new JwtAuthError('ERR_REPLAY_STORE_UNAVAILABLE', { scheme: 'DPoP' }), { dpop })
    expect(answer.status).toBe(503)
    expect(answer.headers['retry-after']).toBe('1')
    expect(answer.headers['www-authenticate']).toBeUndefined()
    expect(answer.body).toEqual({
      error: 'temporarily_unavailable',
      error_description: 'The service is temporarily unavailable',
    })
  })

  it('answers a missing nonce with use_dpop_nonce and the DPoP-Nonce header', () => {
    const error = new JwtAuthError('ERR_DPOP_NONCE_REQUIRED', { scheme: 'DPoP', dpopNonce: '1.abc' })
    const answer = httpAnswer(error, { dpop })
    expect(answer.status).toBe(401)
    expect(answer.headers['dpop-nonce']).toBe('1.abc')
    expect(answer.headers['www-authenticate']).toBe(
      'DPoP realm="api", algs="ES256 EdDSA", error="use_dpop_nonce", error_description="The DPoP proof must carry the server nonce"',
    )
  })
})
