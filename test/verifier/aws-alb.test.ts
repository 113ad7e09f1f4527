import { exportJWK, importSPKI, type JWK } from 'jose'
import { describe, expect, it } from 'vitest'
import {
  createVerifier,
  type IssuerOptions,
  VerifierConfigError,
  type VerifierEvent,
  type VerifierOptions,
} from '../../src/index.js'
import { type AlbTestSigner, createAlbTestSigner } from '../../src/testing/index.js'
import { manualClock } from '../helpers/clock.js'
import { codeOf } from '../helpers/setup.js'

const OTHER_ALB =
  'arn:aws:elasticloadbalancing:eu-west-1:210987654321:loadbalancer/app/theirs/0123456789abcdef'
const COOLDOWN_MS = 30_000

/** A verifier in ALB mode for `alb`, with its events. */
async function albWorld(
  issuer: { [K in keyof IssuerOptions]?: IssuerOptions[K] | undefined } = {},
  options: Partial<VerifierOptions> = {},
) {
  const clock = manualClock()
  const alb = await createAlbTestSigner({ now: clock.now })
  const events: VerifierEvent[] = []
  const verifier = createVerifier({
    issuer: {
      issuer: alb.issuer,
      awsAlb: { signers: [alb.signer] },
      clientIds: [alb.client],
      ...issuer,
    } as IssuerOptions,
    fetch: alb.fetch,
    now: clock.now,
    cooldownMs: COOLDOWN_MS,
    onEvent: (event) => events.push(event),
    ...options,
  })
  return { clock, alb, verifier, events }
}

/** The ALB key as a JWK, for a verifier that is told the key instead of fetching it. */
async function albJwk(alb: AlbTestSigner): Promise<JWK> {
  const [kid = ''] = alb.kids
  const pem = await (await alb.fetch(`${alb.keysUrl}/${kid}`)).text()
  alb.resetCounts()
  return { ...(await exportJWK(await importSPKI(pem, 'ES256'))), kid, alg: 'ES256', use: 'sig' }
}

describe('AWS ALB mode: x-amzn-oidc-data tokens', () => {
  it('verifies a token as ALB writes it (padded), fetching its key once at {region endpoint}/{kid}', async () => {
    const { alb, verifier, events } = await albWorld()
    const token = await alb.sign({ email: 'jane@example.com' })
    expect(token.split('.').map((segment) => segment.length % 4)).toEqual([0, 0, 0])
    expect(token).toMatch(/=\./)
    const { payload, protectedHeader, issuer } = await verifier.verify(token)
    expect(payload).toMatchObject({ email: 'jane@example.com', iss: alb.issuer })
    expect(protectedHeader).toMatchObject({ signer: alb.signer, client: alb.client, alg: 'ES256' })
    expect(issuer).toBe(alb.issuer)
    expect(events).toContainEqual(
      expect.objectContaining({
        type: 'fetch_ok',
        url: `https://public-keys.auth.elb.eu-west-1.amazonaws.com/${alb.kids[0]}`,
      }),
    )
    await verifier.verify(await alb.sign({ sub: 'other-user' }))
    expect(alb.counts).toEqual({ keys: 1, unexpected: 0 })
  })

  it('also takes the same token without padding (RFC 7515 spelling)', async () => {
    const { alb, verifier } = await albWorld()
    const token = await alb.sign({}, { padded: false })
    expect(token).not.toContain('=')
    expect((await verifier.verify(token)).payload.sub).toBe('user-1')
  })

  it('accepts any client when clientIds is not set; the signer is always checked', async () => {
    const { alb, verifier } = await albWorld({ clientIds: undefined })
    expect(
      (await verifier.verify(await alb.sign({}, { header: { client: 'any-client' } }))).payload.sub,
    ).toBe('user-1')
    expect(await codeOf(verifier.verify(await alb.sign({}, { header: { signer: OTHER_ALB } })))).toBe(
      'ERR_ISSUER_UNKNOWN',
    )
  })

  it('takes a key that rotates in on first sight, and keeps the old one', async () => {
    const { alb, verifier } = await albWorld()
    await verifier.verify(await alb.sign())
    const old = alb.kids[0] ?? ''
    await alb.rotate()
    expect((await verifier.verify(await alb.sign())).kid).toBe(alb.kids[0])
    expect((await verifier.verify(await alb.sign({}, { kid: old }))).kid).toBe(old)
    expect(alb.counts.keys).toBe(2)
  })
})

describe('AWS ALB mode: refusals, each before any key fetch where the token says enough', () => {
  it.each([
    ['another load balancer (signer)', { header: { signer: OTHER_ALB } }, {}, 'ERR_ISSUER_UNKNOWN'],
    ['no signer', { header: { signer: undefined } }, {}, 'ERR_ISSUER_UNKNOWN'],
    ['another client', { header: { client: 'another-client' } }, {}, 'ERR_AUDIENCE_MISMATCH'],
    ['no client', { header: { client: undefined } }, {}, 'ERR_AUDIENCE_MISMATCH'],
    ['another IdP (iss)', {}, { iss: 'https://idp.example.com' }, 'ERR_ISSUER_UNKNOWN'],
    ['expired', { expiresInSeconds: -600 }, {}, 'ERR_TOKEN_EXPIRED'],
    ['a kid that is no UUID', { kid: 'k1' }, {}, 'ERR_KEY_NOT_FOUND'],
    ['a path in the kid', { kid: '../../../admin' }, {}, 'ERR_KEY_NOT_FOUND'],
    ['no kid', { header: { kid: undefined } }, {}, 'ERR_KEY_NOT_FOUND'],
  ] as const)('%s', async (_, signOptions, claims, code) => {
    const { alb, verifier, events } = await albWorld()
    expect(await codeOf(verifier.verify(await alb.sign(claims, signOptions)))).toBe(code)
    expect(events).toContainEqual(expect.objectContaining({ type: 'verify_failed', code }))
    expect(alb.counts).toEqual({ keys: 0, unexpected: 0 })
  })

  it('refuses an alg other than ES256 without looking at keys', async () => {
    const { alb, verifier } = await albWorld()
    const [header = '', payload = ''] = (await alb.sign()).split('.')
    const rs256 = btoa(JSON.stringify({ ...JSON.parse(atob(header)), alg: 'RS256' }))
      .replaceAll('+', '-')
      .replaceAll('/', '_')
    expect(await codeOf(verifier.verify(`${rs256}.${payload}.c2ln`))).toBe('ERR_ALG_NOT_ALLOWED')
    expect(alb.counts.keys).toBe(0)
  })

  it('refuses a token signed by another key under a served kid', async () => {
    const { alb, verifier } = await albWorld()
    const forger = await createAlbTestSigner({ signer: alb.signer })
    const forged = await forger.sign({}, { kid: alb.kids[0] ?? '' })
    expect(await codeOf(verifier.verify(forged))).toBe('ERR_SIGNATURE_INVALID')
  })

  it.each([
    ['three = signs', (t: string) => t.replace(/=*\./, '===.')],
    [
      'padding that fills nothing',
      (t: string) => t.replace(/\.([^.]*)$/, '.$1').replace(/^([^.=]*)=*/, '$1AAAA=='),
    ],
    ['padding inside a segment', (t: string) => t.replace(/=+\./, '=A.')],
    ['standard base64 + and /', (t: string) => `${t.slice(0, 10)}+/${t.slice(12)}`],
  ])('refuses malformed padding: %s', async (_, spoil) => {
    const { alb, verifier } = await albWorld()
    const token = spoil(await alb.sign({ name: 'x' }))
    expect(await codeOf(verifier.verify(token))).toBe('ERR_TOKEN_MALFORMED')
    expect(alb.counts.keys).toBe(0)
  })

  it('a new kid the endpoint does not know: one fetch, then other new kids wait out the cooldown', async () => {
    const { alb, verifier, events, clock } = await albWorld()
    const unknown = () => alb.sign({}, { kid: crypto.randomUUID() })
    expect(await codeOf(verifier.verify(await unknown()))).toBe('ERR_KEY_NOT_FOUND')
    expect(alb.counts.keys).toBe(1)
    expect(await codeOf(verifier.verify(await unknown()))).toBe('ERR_KEY_NOT_FOUND')
    expect(await codeOf(verifier.verify(await alb.sign()))).toBe('ERR_KEY_NOT_FOUND')
    expect(alb.counts.keys).toBe(1)
    expect(events.filter((event) => event.type === 'cooldown_hit')).toHaveLength(2)
    clock.advance(COOLDOWN_MS)
    expect((await verifier.verify(await alb.sign())).kid).toBe(alb.kids[0])
    expect(alb.counts.keys).toBe(2)
  })

  it('the key endpoint down on a cold start: 503 with Retry-After, no fetch while backing off', async () => {
    const { alb, verifier, clock } = await albWorld()
    alb.fail({ kind: 'down' })
    const error = await verifier.verify(await alb.sign()).catch((caught: unknown) => caught)
    expect(error).toMatchObject({ code: 'ERR_JWKS_UNAVAILABLE', retryAfterSeconds: 1 })
    expect(await codeOf(verifier.verify(await alb.sign()))).toBe('ERR_JWKS_UNAVAILABLE')
    expect(alb.counts.keys).toBe(1)
    alb.fail(null)
    clock.advance(1_000)
    expect((await verifier.verify(await alb.sign())).kid).toBe(alb.kids[0])
    expect(verifier.health()).toEqual([
      expect.objectContaining({ issuer: alb.issuer, keys: 1, stale: false, retryInMs: 0 }),
    ])
  })

  it('a held key keeps verifying through an outage of the key endpoint', async () => {
    const { alb, verifier, clock } = await albWorld({}, { tokenCacheSize: 0 })
    await verifier.verify(await alb.sign())
    alb.fail({ kind: 'status', status: 500 })
    clock.advance(2 * 60 * 60 * 1000)
    expect((await verifier.verify(await alb.sign())).kid).toBe(alb.kids[0])
    expect(verifier.health()[0]).toMatchObject({ keys: 1, stale: true })
  })
})

describe("ALB's padding is never accepted for any other issuer", () => {
  it('a verifier without an ALB issuer refuses the padded spelling of a token it verifies unpadded', async () => {
    const alb = await createAlbTestSigner()
    const jwk = await albJwk(alb)
    const verifier = createVerifier({ issuer: { issuer: alb.issuer, jwks: { keys: [jwk] } } })
    expect((await verifier.verify(await alb.sign({}, { padded: false }))).payload.iss).toBe(alb.issuer)
    expect(await codeOf(verifier.verify(await alb.sign()))).toBe('ERR_TOKEN_MALFORMED')
  })

  it('beside an ALB issuer, a padded token of another issuer is refused without a fetch', async () => {
    const alb = await createAlbTestSigner()
    const jwk = await albJwk(alb)
    const verifier = createVerifier({
      issuer: [
        { issuer: alb.issuer, awsAlb: { signers: [alb.signer] } },
        { issuer: 'https://other.example.com', jwks: { keys: [jwk] } },
      ],
      fetch: alb.fetch,
    })
    const other = { iss: 'https://other.example.com' }
    expect((await verifier.verify(await alb.sign(other, { padded: false }))).issuer).toBe(
      'https://other.example.com',
    )
    expect(await codeOf(verifier.verify(await alb.sign(other)))).toBe('ERR_TOKEN_MALFORMED')
    expect(alb.counts.keys).toBe(0)
  })
})

describe('AWS ALB mode: configuration', () => {
  const ARN = 'arn:aws:elasticloadbalancing:us-east-2:123456789012:loadbalancer/app/orders/50dc6c495c0c9188'
  const GOV = 'arn:aws-us-gov:elasticloadbalancing:us-gov-west-1:123456789012:loadbalancer/app/orders/1'
  const issuer = 'https://idp.example.com'

  it('derives the key endpoint from the region of the ARNs', async () => {
    const requested: string[] = []
    const verifier = createVerifier({
      issuer: { issuer, awsAlb: { signers: [ARN] } },
      fetch: async (input) => {
        requested.push(String(input))
        return new Response('no', { status: 403 })
      },
    })
    const alb = await createAlbTestSigner({ signer: ARN, issuer })
    await verifier.verify(await alb.sign()).catch(() => undefined)
    expect(requested).toEqual([`https://public-keys.auth.elb.us-east-2.amazonaws.com/${alb.kids[0]}`])
  })

  it('takes keysUrl for the partitions whose endpoint is elsewhere', async () => {
    const keysUrl = 'https://s3-us-gov-west-1.amazonaws.com/aws-elb-public-keys-prod-us-gov-west-1'
    const alb = await createAlbTestSigner({ signer: GOV, issuer, keysUrl })
    const verifier = createVerifier({
      issuer: { issuer, awsAlb: { signers: [GOV], keysUrl } },
      fetch: alb.fetch,
    })
    expect((await verifier.verify(await alb.sign())).issuer).toBe(issuer)
  })

  it.each([
    ['no signers', { awsAlb: { signers: [] } }, 'awsAlb'],
    ['a signer that is no ALB ARN', { awsAlb: { signers: ['arn:aws:iam::123456789012:role/x'] } }, 'awsAlb'],
    [
      'signers in two regions',
      { awsAlb: { signers: [ARN, ARN.replace('us-east-2', 'eu-west-1')] } },
      'awsAlb',
    ],
    ['GovCloud without keysUrl', { awsAlb: { signers: [GOV] } }, 'awsAlb'],
    [
      'an http keysUrl off loopback',
      { awsAlb: { signers: [ARN], keysUrl: 'http://keys.example.com' } },
      'awsAlb',
    ],
    ['an unknown awsAlb member', { awsAlb: { signers: [ARN], region: 'us-east-2' } }, 'awsAlb'],
    ['audience', { awsAlb: { signers: [ARN] }, audience: 'api' }, 'audience'],
    ['jwksUri', { awsAlb: { signers: [ARN] }, jwksUri: 'https://keys.example.com' }, 'jwksUri'],
    ['keyFormat', { awsAlb: { signers: [ARN] }, keyFormat: 'x509-certificates' }, 'keyFormat'],
    [
      'an algorithm other than ES256',
      { awsAlb: { signers: [ARN] }, algorithms: ['ES256', 'RS256'] },
      'algorithms',
    ],
  ])('refuses %s', (_, entry, option) => {
    const build = () => createVerifier({ issuer: { issuer, ...entry } as IssuerOptions })
    expect(build).toThrow(VerifierConfigError)
    expect(() => build()).toThrow(expect.objectContaining({ option }))
  })

  it('refuses a verifier-wide audience with an ALB issuer', () => {
    expect(() => createVerifier({ issuer: { issuer, awsAlb: { signers: [ARN] } }, audience: 'api' })).toThrow(
      expect.objectContaining({ option: 'audience' }),
    )
  })
})
