import { describe, expect, it } from 'vitest'
import { createRequestVerifier, httpAnswer, MemoryReplayStore } from '../../src/index.js'
import { createTestIssuer } from '../../src/testing/index.js'
import { codeOf } from '../helpers/setup.js'
import { dpopClient } from '../sender/support.js'

const URL_ = 'https://api.example.com/orders'

describe('createRequestVerifier: the core entry over method, URL and headers', () => {
  it('verifies a DPoP request made by the dpop library, then refuses its replay with invalid_dpop_proof', async () => {
    const idp = await createTestIssuer()
    const client = await dpopClient('Ed25519')
    const token = await idp.sign({ sub: 'alice', cnf: { jkt: client.jkt } })
    const verifier = createRequestVerifier({
      issuer: idp.issuer,
      audience: idp.audience,
      fetch: idp.fetch,
      dpop: { replayStore: new MemoryReplayStore() },
    })
    const headers = new Headers({
      authorization: `DPoP ${token}`,
      dpop: await client.proof(URL_, 'GET', token),
    })
    const verified = await verifier.verify({ method: 'GET', url: URL_, headers })
    expect(verified).toMatchObject({ scheme: 'DPoP', token, payload: { sub: 'alice' } })
    const error = await verifier.verify(new Request(URL_, { headers })).catch((e: unknown) => e)
    expect(error).toMatchObject({ code: 'ERR_DPOP_PROOF_REPLAYED' })
    const answer = httpAnswer(error as never, { dpop: verifier.dpop })
    expect(answer.status).toBe(401)
    expect(answer.headers['www-authenticate']).toContain('DPoP realm="api", algs="')
    expect(answer.headers['www-authenticate']).toContain('error="invalid_dpop_proof"')
    expect(idp.counts.jwks).toBe(1)
  })

  it('without DPoP, a plain bearer token passes and a cnf.jkt one is refused without a fetch beyond the first', async () => {
    const idp = await createTestIssuer()
    const verifier = createRequestVerifier({ issuer: idp.issuer, audience: idp.audience, fetch: idp.fetch })
    expect(verifier.dpop).toBeUndefined()
    const plain = new Headers({ authorization: `Bearer ${await idp.sign()}` })
    await expect(verifier.verify({ method: 'GET', url: URL_, headers: plain })).resolves.toMatchObject({
      scheme: 'Bearer',
    })
    const bound = new Headers({ authorization: `Bearer ${await idp.sign({ cnf: { jkt: 'x' } })}` })
    expect(await codeOf(verifier.verify({ method: 'GET', url: URL_, headers: bound }))).toBe(
      'ERR_TOKEN_BINDING_MISMATCH',
    )
    expect(await codeOf(verifier.verify({ method: 'GET', url: URL_, headers: new Headers() }))).toBe(
      'ERR_TOKEN_MISSING',
    )
    expect(idp.counts.jwks).toBe(1)
  })

  it('a bound token without its proof is a 401 even when it also lacks a required scope', async () => {
    // The scope check runs inside verify(); the binding must still be judged first, so a stolen
    // bound token never earns the 403 that only its holder should see (RFC 9449 §7.1).
    const idp = await createTestIssuer()
    const client = await dpopClient('ES256')
    const verifier = createRequestVerifier({
      issuer: idp.issuer,
      audience: idp.audience,
      fetch: idp.fetch,
      requiredScopes: ['admin'],
      dpop: { replayStore: new MemoryReplayStore() },
    })
    const token = await idp.sign({ scope: 'read', cnf: { jkt: client.jkt } })
    const asBearer = new Headers({ authorization: `Bearer ${token}` })
    expect(await codeOf(verifier.verify({ method: 'GET', url: URL_, headers: asBearer }))).toBe(
      'ERR_TOKEN_BINDING_MISMATCH',
    )
    const noProof = new Headers({ authorization: `DPoP ${token}` })
    expect(await codeOf(verifier.verify({ method: 'GET', url: URL_, headers: noProof }))).toBe(
      'ERR_DPOP_PROOF_INVALID',
    )
    const withProof = new Headers({
      authorization: `DPoP ${token}`,
      dpop: await client.proof(URL_, 'GET', token),
    })
    expect(await codeOf(verifier.verify({ method: 'GET', url: URL_, headers: withProof }))).toBe(
      'ERR_INSUFFICIENT_SCOPE',
    )
    expect(idp.counts.jwks).toBe(1)
  })

  it.each([
    [{ dpop: { algorithms: ['HS256'] } }, /dpop.algorithms/],
    [{ dpop: { algorithms: ['none'] } }, /dpop.algorithms/],
    [{ dpop: { iatWindowSeconds: 0 } }, /dpop.iatWindowSeconds/],
    [{ dpop: { nonceSecrets: ['short'] } }, /dpop.nonceSecrets/],
    [{ dpop: { nonceStepSeconds: 60 } }, /dpop.nonceStepSeconds/],
    [{ dpop: { replayStore: {} as never } }, /dpop.replayStore/],
    [{ mtls: { thumbprintHeader: 'bad header' } }, /mtls.thumbprintHeader/],
  ])('refuses %o at construction, naming the option', (options, name) => {
    expect(() => createRequestVerifier({ issuer: 'https://idp.example.com', ...options })).toThrow(name)
  })
})
