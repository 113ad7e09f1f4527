import { describe, expect, it } from 'vitest'
import { createTestIssuer } from '../../src/testing/index.js'
import { createGateway } from '../../src/worker/gateway.js'

describe('createGateway outside Workers (Node: no Cache API, no ctx)', () => {
  it('takes its configuration from `vars`, keeps keys in memory, and needs no env or ctx', async () => {
    const idp = await createTestIssuer()
    const gateway = createGateway({
      vars: { ISSUER: idp.issuer, AUDIENCE: idp.audience },
      fetch: idp.fetch,
      onEvent: () => undefined,
    })
    for (let i = 0; i < 3; i++) {
      const response = await gateway.fetch(
        new Request('http://127.0.0.1/me', {
          headers: { authorization: `Bearer ${await idp.sign({ sub: 'node' })}` },
        }),
      )
      expect(response.status).toBe(200)
      expect(await response.json()).toMatchObject({ claims: { sub: 'node' } })
    }
    expect(idp.counts).toMatchObject({ discovery: 1, jwks: 1 })
  })

  it('`vars` win over env', async () => {
    const idp = await createTestIssuer()
    const logs: string[] = []
    const gateway = createGateway({
      vars: { AUDIENCE: idp.audience },
      fetch: idp.fetch,
      log: (l) => logs.push(l),
    })
    const response = await gateway.fetch(new Request('http://127.0.0.1/healthz'), {
      ISSUER: idp.issuer,
      AUDIENCE: '',
    })
    expect(response.status).toBe(200)
    expect(logs).toEqual([])
  })
})
