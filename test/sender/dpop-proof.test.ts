import fc from 'fast-check'
import { base64url } from 'jose'
import { describe, expect, it } from 'vitest'
import { JwtAuthError } from '../../src/errors.js'
import { verifyDpopProof } from '../../src/sender/dpop-proof.js'
import { DEFAULT_DPOP_ALGORITHMS } from '../../src/sender/options.js'
import { codeOf } from '../helpers/setup.js'
import { dpopClient, hmacProof, proofClaims, unsignedProof } from './support.js'

const HTU = 'https://api.example.com/orders'
const TOKEN = 'eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJhIn0.c2ln'
const NOW_MS = Date.UTC(2026, 10, 21, 12, 0, 0)
const NOW_S = NOW_MS / 1000

const expectation = {
  method: 'POST',
  htu: HTU,
  accessToken: TOKEN,
  algorithms: new Set(DEFAULT_DPOP_ALGORITHMS),
  nowMs: NOW_MS,
  iatWindowSeconds: 60,
}

describe('verifyDpopProof (RFC 9449 §4.3)', () => {
  it.each(['ES256', 'Ed25519', 'PS256'] as const)(
    'accepts a %s proof made by the dpop library',
    async (alg) => {
      const client = await dpopClient(alg)
      const proof = await client.proof(HTU, 'POST', TOKEN)
      const facts = await verifyDpopProof(proof, { ...expectation, nowMs: Date.now() })
      expect(facts.jkt).toBe(client.jkt)
      expect(typeof facts.jti).toBe('string')
    },
  )

  it('compares htu after RFC 3986 normalisation, without query or fragment', async () => {
    const client = await dpopClient()
    const claims = await proofClaims('POST', 'HTTPS://API.example.com:443/%6Frders?x=1#f', TOKEN, NOW_S)
    await expect(verifyDpopProof(await client.forge(claims), expectation)).resolves.toMatchObject({
      jkt: client.jkt,
    })
  })

  it('accepts iat at both edges of the window', async () => {
    const client = await dpopClient()
    for (const iat of [NOW_S - 60, NOW_S + 60]) {
      const proof = await client.forge(await proofClaims('POST', HTU, TOKEN, iat))
      await expect(verifyDpopProof(proof, expectation)).resolves.toMatchObject({ iat })
    }
  })

  const refusals: [string, (c: Awaited<ReturnType<typeof dpopClient>>) => Promise<string>][] = [
    ['wrong htm', async (c) => c.forge(await proofClaims('GET', HTU, TOKEN, NOW_S))],
    ['htm in another case', async (c) => c.forge(await proofClaims('post', HTU, TOKEN, NOW_S))],
    ['wrong htu path', async (c) => c.forge(await proofClaims('POST', `${HTU}/1`, TOKEN, NOW_S))],
    [
      'wrong htu host',
      async (c) => c.forge(await proofClaims('POST', 'https://evil.example/orders', TOKEN, NOW_S)),
    ],
    ['htu not a URL', async (c) => c.forge(await proofClaims('POST', '/orders', TOKEN, NOW_S))],
    ['stale iat', async (c) => c.forge(await proofClaims('POST', HTU, TOKEN, NOW_S - 61))],
    ['future iat', async (c) => c.forge(await proofClaims('POST', HTU, TOKEN, NOW_S + 61))],
    [
      'iat as a string',
      async (c) => c.forge({ ...(await proofClaims('POST', HTU, TOKEN, NOW_S)), iat: `${NOW_S}` }),
    ],
    ['no jti', async (c) => c.forge({ ...(await proofClaims('POST', HTU, TOKEN, NOW_S)), jti: undefined })],
    ['empty jti', async (c) => c.forge({ ...(await proofClaims('POST', HTU, TOKEN, NOW_S)), jti: '' })],
    ['ath of another token', async (c) => c.forge(await proofClaims('POST', HTU, `${TOKEN}x`, NOW_S))],
    ['no ath', async (c) => c.forge({ ...(await proofClaims('POST', HTU, TOKEN, NOW_S)), ath: undefined })],
    ['typ JWT', async (c) => c.forge(await proofClaims('POST', HTU, TOKEN, NOW_S), { typ: 'JWT' })],
    ['no typ', async (c) => c.forge(await proofClaims('POST', HTU, TOKEN, NOW_S), { typ: undefined })],
    ['no jwk', async (c) => c.forge(await proofClaims('POST', HTU, TOKEN, NOW_S), { jwk: undefined })],
    [
      'private key in the jwk header',
      async (c) => c.forge(await proofClaims('POST', HTU, TOKEN, NOW_S), { jwk: c.privateJwk }),
    ],
    [
      'jwk of another key (signature does not verify)',
      async (c) =>
        c.forge(await proofClaims('POST', HTU, TOKEN, NOW_S), { jwk: (await dpopClient()).publicJwk }),
    ],
    [
      'crit header',
      async (c) => c.forge(await proofClaims('POST', HTU, TOKEN, NOW_S), { crit: ['b64'], b64: true }),
    ],
    ['alg none', async (c) => unsignedProof(await proofClaims('POST', HTU, TOKEN, NOW_S), c.publicJwk)],
    ['alg HS256 with a symmetric jwk', async () => hmacProof(await proofClaims('POST', HTU, TOKEN, NOW_S))],
    ['not a JWS', async () => 'not-a-proof'],
    [
      'a JWS with a tampered payload',
      async (c) => {
        const [h, , s] = (await c.forge(await proofClaims('POST', HTU, TOKEN, NOW_S))).split('.')
        const other = (await c.forge(await proofClaims('GET', HTU, TOKEN, NOW_S))).split('.')[1]
        return `${h}.${other}.${s}`
      },
    ],
  ]

  it.each(refusals)('refuses a proof with %s', async (_, make) => {
    const proof = await make(await dpopClient())
    expect(await codeOf(verifyDpopProof(proof, expectation))).toBe('ERR_DPOP_PROOF_INVALID')
  })

  it('refuses an alg outside the allow-list', async () => {
    const client = await dpopClient('PS256')
    const proof = await client.forge(await proofClaims('POST', HTU, TOKEN, NOW_S))
    const onlyEs = { ...expectation, algorithms: new Set(['ES256']) }
    expect(await codeOf(verifyDpopProof(proof, onlyEs))).toBe('ERR_DPOP_PROOF_INVALID')
  })

  it('puts nothing of the proof in the error', async () => {
    const client = await dpopClient()
    const proof = await client.forge(await proofClaims('GET', HTU, TOKEN, NOW_S))
    const error = await verifyDpopProof(proof, expectation).catch((e: unknown) => e)
    expect(JSON.stringify(error) + String(error)).not.toContain(client.jkt)
    expect(String(error)).not.toContain(proof.slice(0, 20))
  })

  it('refuses any generated header/payload pair with ERR_DPOP_PROOF_INVALID and nothing else', async () => {
    const client = await dpopClient()
    const valid = await client.forge(await proofClaims('POST', HTU, TOKEN, NOW_S))
    const [, , signature] = valid.split('.')
    const segment = fc.oneof(
      fc.json().map((json) => base64url.encode(json)),
      fc.dictionary(fc.string(), fc.jsonValue()).map((value) => base64url.encode(JSON.stringify(value))),
      fc.string(),
    )
    await fc.assert(
      fc.asyncProperty(segment, segment, async (header, payload) => {
        const error = await verifyDpopProof(`${header}.${payload}.${signature}`, expectation).catch(
          (e: unknown) => e,
        )
        expect(error).toBeInstanceOf(JwtAuthError)
        expect((error as JwtAuthError).code).toBe('ERR_DPOP_PROOF_INVALID')
      }),
      { numRuns: 300 },
    )
  })
})
