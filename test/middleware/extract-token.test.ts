import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { JwtAuthError } from '../../src/errors.js'
import { extractToken, type TokenCarriers, type TokenSources } from '../../src/middleware/extract-token.js'

const HEADER_ONLY: TokenSources = { cookie: undefined, query: false }
const ALL: TokenSources = { cookie: 'session', query: true }

function carriers(partial: Partial<TokenCarriers>): TokenCarriers {
  return { authorization: [], cookie: [], query: '', ...partial }
}

function codeOf(run: () => unknown): string | undefined {
  try {
    run()
    return undefined
  } catch (error) {
    expect(error).toBeInstanceOf(JwtAuthError)
    return (error as JwtAuthError).code
  }
}

describe('extractToken', () => {
  it.each([
    ['Bearer abc', 'abc'],
    ['bearer abc', 'abc'],
    ['BEARER abc', 'abc'],
    ['Bearer   abc  ', 'abc'],
    ['Bearer\tabc', 'abc'],
    // Left whole for the verifier, which rejects it as malformed without decoding.
    ['Bearer a b', 'a b'],
  ])('reads %j from Authorization', (header, token) => {
    expect(extractToken(carriers({ authorization: [header] }), HEADER_ONLY)).toBe(token)
  })

  it.each([[[]], [['']], [['Basic dXNlcjpwYXNz']], [['Bearerabc']], [['Digest username="a", realm="b"']]])(
    'finds no bearer token in %j',
    (authorization) => {
      expect(extractToken(carriers({ authorization }), HEADER_ONLY)).toBeUndefined()
    },
  )

  it.each([
    ['empty token', carriers({ authorization: ['Bearer '] }), HEADER_ONLY],
    ['bare scheme', carriers({ authorization: ['bearer'] }), HEADER_ONLY],
    ['two fields', carriers({ authorization: ['Bearer a', 'Bearer b'] }), HEADER_ONLY],
    ['two fields joined by fetch', carriers({ authorization: ['Bearer a, Bearer b'] }), HEADER_ONLY],
    ['bearer beside basic', carriers({ authorization: ['Basic x', 'Bearer a'] }), HEADER_ONLY],
    ['header + query', carriers({ authorization: ['Bearer a'], query: '?access_token=b' }), ALL],
    [
      'header + query, query off',
      carriers({ authorization: ['Bearer a'], query: 'access_token=b' }),
      HEADER_ONLY,
    ],
    ['header + cookie', carriers({ authorization: ['Bearer a'], cookie: ['session=b'] }), ALL],
    ['query + cookie', carriers({ query: '?access_token=a', cookie: ['session=b'] }), ALL],
    ['query twice', carriers({ query: '?access_token=a&access_token=b' }), ALL],
    ['cookie twice', carriers({ cookie: ['session=a; session=b'] }), ALL],
    ['cookie twice in two fields', carriers({ cookie: ['session=a', 'session=b'] }), ALL],
    ['empty query token', carriers({ query: '?access_token=' }), ALL],
  ])('rejects %s as invalid_request', (_name, input, sources) => {
    expect(codeOf(() => extractToken(input, sources))).toBe('ERR_REQUEST_INVALID')
  })

  it.each([
    'access_token[]=b',
    'access_token[0]=b',
    'access_token[x][y]=b',
    'access_token%5B%5D=b',
    'access_token.x=b',
    'access.token=b',
    'access+token=b',
    'Access_Token=b',
  ])('header + ?%s, a parameter a framework reads as access_token, is two tokens', (query) => {
    for (const sources of [HEADER_ONLY, ALL]) {
      expect(codeOf(() => extractToken(carriers({ authorization: ['Bearer a'], query }), sources))).toBe(
        'ERR_REQUEST_INVALID',
      )
    }
    // Never a token of its own.
    expect(extractToken(carriers({ query }), ALL)).toBeUndefined()
  })

  it.each([
    'access_tokens=b',
    'my_access_token=b',
    'access_token_hint=b',
    'access-token=b',
    'x[access_token]=b',
  ])('header + ?%s, another parameter, is one token', (query) => {
    expect(extractToken(carriers({ authorization: ['Bearer a'], query }), ALL)).toBe('a')
  })

  it('reads the query and the cookie only when enabled', () => {
    const query = carriers({ query: '?x=1&access_token=q' })
    const cookie = carriers({ cookie: ['theme=dark; session=c; other=1'] })
    expect(extractToken(query, HEADER_ONLY)).toBeUndefined()
    expect(extractToken(cookie, HEADER_ONLY)).toBeUndefined()
    expect(extractToken(query, ALL)).toBe('q')
    expect(extractToken(cookie, ALL)).toBe('c')
  })

  it('reads cookies joined by fetch with a comma, unquotes, and ignores empty ones', () => {
    expect(extractToken(carriers({ cookie: ['a=1, session=c'] }), ALL)).toBe('c')
    expect(extractToken(carriers({ cookie: ['session="c"'] }), ALL)).toBe('c')
    expect(extractToken(carriers({ cookie: ['session='] }), ALL)).toBeUndefined()
    expect(extractToken(carriers({ authorization: ['Bearer a'], cookie: ['session='] }), ALL)).toBe('a')
    expect(extractToken(carriers({ cookie: ['xsession=c; session2=d'] }), ALL)).toBeUndefined()
  })

  it('is total over arbitrary carriers: a token it returns was sent, and it only throws invalid_request', () => {
    const value = fc.oneof(
      fc.string(),
      fc.constantFrom('Bearer ', 'bearer x', 'session=', 'access_token=', ', ', '; '),
    )
    const list = fc.array(
      fc.stringMatching(/^.{0,40}$/).chain((s) => fc.constantFrom(s, `Bearer ${s}`)),
      {
        maxLength: 3,
      },
    )
    fc.assert(
      fc.property(list, fc.array(value, { maxLength: 3 }), value, (authorization, cookie, query) => {
        const input = { authorization, cookie, query }
        let token: string | undefined
        try {
          token = extractToken(input, ALL)
        } catch (error) {
          expect((error as JwtAuthError).code).toBe('ERR_REQUEST_INVALID')
          return
        }
        if (token === undefined) return
        expect(token).not.toBe('')
        const sent = [...authorization, ...cookie, queryValues(query), query].join('\n')
        expect(sent).toContain(token)
      }),
    )
  })

  it('never throws anything but JwtAuthError, whatever the input', () => {
    const hostile = ['%', '%zz', '\u0000', ',,,,', ';;;=', 'Bearer ,Bearer', '='.repeat(10_000)]
    for (const value of hostile) {
      const input = carriers({ authorization: [value], cookie: [value], query: value })
      const code = codeOf(() => extractToken(input, ALL))
      expect([undefined, 'ERR_REQUEST_INVALID']).toContain(code)
    }
  })
})

/** URLSearchParams decodes `+` and `%xx`; undo that for the "was it sent" check. */
function queryValues(query: string): string {
  return [...new URLSearchParams(query).values()].join('\n')
}

describe('extractToken: a header that carries the bare token (Cloudflare Access, proxies)', () => {
  const CF: TokenSources = { cookie: 'CF_Authorization', query: false, header: 'cf-access-jwt-assertion' }

  it('reads the header value as the token, trimmed', () => {
    expect(extractToken(carriers({ header: [' eyJ.a.b '] }), CF)).toBe('eyJ.a.b')
  })

  it('ignores the header unless it is a configured source', () => {
    expect(extractToken(carriers({ header: ['eyJ.a.b'] }), HEADER_ONLY)).toBeUndefined()
  })

  it.each([
    ['the header twice', carriers({ header: ['a', 'b'] })],
    ['the header twice, joined by fetch', carriers({ header: ['a, b'] })],
    ['header + Authorization', carriers({ header: ['a'], authorization: ['Bearer a'] })],
    ['header + cookie', carriers({ header: ['a'], cookie: ['CF_Authorization=a'] })],
    ['header + query parameter', carriers({ header: ['a'], query: '?access_token=a' })],
    ['an empty header', carriers({ header: [''] })],
  ])('%s is a malformed request', (_, sent) => {
    expect(codeOf(() => extractToken(sent, CF))).toBe('ERR_REQUEST_INVALID')
  })
})
