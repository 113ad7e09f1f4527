import { describe, expect, it } from 'vitest'
import { normalizeHtu, receivedHtu } from '../../src/sender/htu.js'

describe('normalizeHtu (RFC 3986 §6.2.2, §6.2.3)', () => {
  it.each([
    ['https://api.example.com/a', 'https://api.example.com/a'],
    ['HTTPS://API.Example.COM/a', 'https://api.example.com/a'],
    ['https://api.example.com:443/a', 'https://api.example.com/a'],
    ['http://api.example.com:80/a', 'http://api.example.com/a'],
    ['https://api.example.com:8443/a', 'https://api.example.com:8443/a'],
    ['https://api.example.com', 'https://api.example.com/'],
    ['https://api.example.com/a/./b/../c', 'https://api.example.com/a/c'],
    ['https://api.example.com/%7euser/%2f', 'https://api.example.com/~user/%2F'],
    ['https://api.example.com/a?x=1#frag', 'https://api.example.com/a'],
  ])('%s → %s', (input, expected) => {
    expect(normalizeHtu(input)).toBe(expected)
  })

  it.each(['/relative', 'ftp://example.com/a', 'https://user:pw@example.com/a', 'not a url'])(
    'refuses %s',
    (input) => {
      expect(normalizeHtu(input)).toBeUndefined()
    },
  )
})

describe('receivedHtu', () => {
  const url = 'http://10.0.0.5:8080/orders?id=1'
  it('uses the URL the server received when forwarded headers are not trusted', () => {
    expect(receivedHtu(url, undefined)).toBe('http://10.0.0.5:8080/orders')
  })

  it('takes the nearest proxy’s X-Forwarded-Proto/Host when trusted', () => {
    const forwarded = { proto: 'https', host: 'spoofed.example, api.example.com' }
    expect(receivedHtu(url, forwarded)).toBe('https://api.example.com/orders')
  })

  it.each([
    { proto: 'javascript', host: undefined },
    { proto: undefined, host: 'api.example.com/other' },
    { proto: undefined, host: 'user@api.example.com' },
  ])('refuses a forwarded value that is no scheme or host: %o', (forwarded) => {
    expect(receivedHtu(url, forwarded)).toBeUndefined()
  })
})
