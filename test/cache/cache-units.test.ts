import { describe, expect, it } from 'vitest'
import { freshnessMs, retryAfterMs } from '../../src/cache/cache-control.js'
import { metadataUrls } from '../../src/cache/discovery.js'
import { isFetchableUrl } from '../../src/cache/transport.js'

describe('Cache-Control freshness', () => {
  it.each([
    [null, 600_000],
    ['public, max-age=300', 300_000],
    ['max-age=5', 30_000],
    ['max-age=0', 30_000],
    ['no-cache', 30_000],
    ['no-store, max-age=600', 30_000],
    ['max-age=31536000', 86_400_000],
    ['s-maxage=60', 600_000],
    ['max-age=abc', 600_000],
    ['MAX-AGE=120', 120_000],
  ])('%s → %d ms', (header, expected) => {
    expect(freshnessMs(header)).toBe(expected)
  })
})

describe('Retry-After', () => {
  const now = Date.UTC(2026, 0, 1)
  it('reads delta-seconds and HTTP dates', () => {
    expect(retryAfterMs('120', now)).toBe(120_000)
    expect(retryAfterMs(new Date(now + 30_000).toUTCString(), now)).toBe(30_000)
    expect(retryAfterMs('soon', now)).toBeUndefined()
    expect(retryAfterMs(null, now)).toBeUndefined()
  })
})

describe('transport rule', () => {
  it.each([
    ['https://idp.example.com/jwks', true],
    ['http://idp.example.com/jwks', false],
    ['http://localhost:8080/jwks', true],
    ['http://127.0.0.1/jwks', true],
    ['http://127.9.9.9/jwks', true],
    ['http://[::1]:9/jwks', true],
    ['http://169.254.169.254/', false],
    ['http://localhost.evil.test/', false],
    ['https://user:pass@idp.example.com/', false],
    ['ftp://idp.example.com/', false],
    ['not a url', false],
  ])('%s → %s', (url, ok) => {
    expect(isFetchableUrl(url)).toBe(ok)
  })
})

describe('metadata URLs', () => {
  it('appends for OIDC and inserts for RFC 8414', () => {
    expect(metadataUrls('https://idp.test')).toEqual([
      'https://idp.test/.well-known/openid-configuration',
      'https://idp.test/.well-known/oauth-authorization-server',
    ])
    expect(metadataUrls('https://idp.test/tenant/1/')).toEqual([
      'https://idp.test/tenant/1/.well-known/openid-configuration',
      'https://idp.test/.well-known/oauth-authorization-server/tenant/1',
    ])
  })
})
