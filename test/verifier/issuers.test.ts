import { describe, expect, it } from 'vitest'
import { createVerifier } from '../../src/index.js'
import { createTestIssuer } from '../../src/testing/index.js'
import { codeOf } from '../helpers/setup.js'

/** One fetch for several test issuers, each answering on its own origin. */
function route(...issuers: { issuer: string; fetch: typeof fetch }[]): typeof fetch {
  return (input, init) => {
    const url = input instanceof Request ? input.url : String(input)
    const owner = issuers.find((idp) => url.startsWith(idp.issuer)) ?? issuers[0]
    return owner!.fetch(input, init)
  }
}

describe('several issuers: each keeps its own policy', () => {
  it("an alg only issuer B allows is refused for issuer A's token, even with a key of A that fits it", async () => {
    // A publishes an EC key next to its RSA one, but is configured for RS256 only.
    const a = await createTestIssuer({ issuer: 'https://a.test', algorithms: ['RS256', 'ES256'] })
    const b = await createTestIssuer({
      issuer: 'https://b.test',
      audience: a.audience,
      algorithms: ['ES256'],
    })
    const verifier = createVerifier({
      issuer: [
        { issuer: a.issuer, algorithms: ['RS256'] },
        { issuer: b.issuer, algorithms: ['ES256'] },
      ],
      audience: a.audience,
      fetch: route(a, b),
    })
    expect((await verifier.verify(await a.sign({}, { alg: 'RS256' }))).issuer).toBe(a.issuer)
    expect((await verifier.verify(await b.sign({}, { alg: 'ES256' }))).issuer).toBe(b.issuer)
    const crossAlg = await a.sign({}, { alg: 'ES256' })
    expect(await codeOf(verifier.verify(crossAlg))).toBe('ERR_ALG_NOT_ALLOWED')
    // Refused on the policy alone: no refetch was spent on it.
    expect(a.counts.jwks).toBe(1)
  })
})
