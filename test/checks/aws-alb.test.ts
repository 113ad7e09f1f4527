import { describe, expect, it } from 'vitest'
import { assertAlbHeader, defaultAlbKeysUrl, isAlbKid, parseAlbArn } from '../../src/checks/aws-alb.js'
import { assertCompactJws } from '../../src/checks/token-shape.js'

const ARN = 'arn:aws:elasticloadbalancing:us-east-2:123456789012:loadbalancer/app/orders/50dc6c495c0c9188'

describe('AWS ALB token rules', () => {
  it.each([
    [ARN, { partition: 'aws', region: 'us-east-2' }],
    [
      'arn:aws-us-gov:elasticloadbalancing:us-gov-west-1:123456789012:loadbalancer/app/x/1',
      { partition: 'aws-us-gov', region: 'us-gov-west-1' },
    ],
    [
      'arn:aws-cn:elasticloadbalancing:cn-north-1:123456789012:loadbalancer/app/x/1',
      { partition: 'aws-cn', region: 'cn-north-1' },
    ],
    ['arn:aws:elasticloadbalancing:us-east-2:123456789012:loadbalancer/net/x/1', undefined],
    ['arn:aws:elasticloadbalancing:us-east-2:12345:loadbalancer/app/x/1', undefined],
    ['arn:aws:iam::123456789012:role/x', undefined],
    [`${ARN}\n`, undefined],
  ])('parses %s', (arn, parsed) => {
    expect(parseAlbArn(arn)).toEqual(parsed)
  })

  it('knows the key endpoint of the commercial partition only', () => {
    expect(defaultAlbKeysUrl({ partition: 'aws', region: 'eu-west-1' })).toBe(
      'https://public-keys.auth.elb.eu-west-1.amazonaws.com',
    )
    expect(defaultAlbKeysUrl({ partition: 'aws-us-gov', region: 'us-gov-west-1' })).toBeUndefined()
  })

  it('takes UUID kids only', () => {
    expect(isAlbKid('8f2b3c4d-1e2f-4a5b-9c8d-7e6f5a4b3c2d')).toBe(true)
    for (const kid of [
      'k1',
      '',
      '8f2b3c4d-1e2f-4a5b-9c8d-7e6f5a4b3c2d/..',
      ' 8f2b3c4d-1e2f-4a5b-9c8d-7e6f5a4b3c2d',
    ]) {
      expect(isAlbKid(kid)).toBe(false)
    }
  })

  it('refuses another signer or client; takes any client when none is configured', () => {
    const rule = { signers: [ARN], clients: ['app'], keysUrl: 'https://keys.test' }
    expect(() => assertAlbHeader({ alg: 'ES256', signer: ARN, client: 'app' }, rule)).not.toThrow()
    expect(() => assertAlbHeader({ alg: 'ES256', signer: `${ARN}x`, client: 'app' }, rule)).toThrow(
      expect.objectContaining({ code: 'ERR_ISSUER_UNKNOWN' }),
    )
    expect(() => assertAlbHeader({ alg: 'ES256', signer: ARN }, rule)).toThrow(
      expect.objectContaining({ code: 'ERR_AUDIENCE_MISMATCH' }),
    )
    expect(() =>
      assertAlbHeader({ alg: 'ES256', signer: ARN, client: 7 }, { ...rule, clients: undefined }),
    ).not.toThrow()
  })
})

describe('the padded spelling (assertCompactJws with padding "alb")', () => {
  // "{}" is e30 (one =), "{\"a\":1}" eyJhIjoxfQ (two), "ab" YWI (one), "abc" YWJj (none).
  it.each(['e30=.e30=.YWI=', 'e30.e30.YWI', 'e30=.eyJhIjoxfQ==.YWJj', 'YWJj.YWJj.YWI='])(
    'takes %s',
    (token) => {
      expect(() => assertCompactJws(token, 'alb')).not.toThrow()
    },
  )

  it.each([
    'e30===.e30.YWI',
    'e30==.e30.YWI',
    'e30=.e30.YWJj=',
    'YWJj==.e30.YWI',
    'e3=0.e30.YWI',
    'e31=.e30.YWI',
    'e30.e30.Y=',
  ])('refuses %s', (token) => {
    expect(() => assertCompactJws(token, 'alb')).toThrow(
      expect.objectContaining({ code: 'ERR_TOKEN_MALFORMED' }),
    )
  })

  it('is refused whole without the ALB mode', () => {
    expect(() => assertCompactJws('e30=.e30=.YWI=')).toThrow(
      expect.objectContaining({ code: 'ERR_TOKEN_MALFORMED' }),
    )
  })
})
