import { describe, expect, it } from 'vitest'
import { checkSenderConstraint, type SenderFacts } from '../../src/sender/check.js'
import { resolveSenderPolicy, type SenderConstraintOptions } from '../../src/sender/options.js'
import { MemoryReplayStore } from '../../src/sender/replay-store.js'
import { codeOf, setup } from '../helpers/setup.js'
import { dpopClient, proofClaims } from './support.js'

const URL_RECEIVED = 'https://api.example.com/orders?page=2'
const HTU = 'https://api.example.com/orders'

async function world(options: SenderConstraintOptions = { dpop: {} }) {
  const env = await setup()
  env.clock.set(Date.now())
  const policy = resolveSenderPolicy(options, env.clock.now)
  const client = await dpopClient()
  const token = await env.idp.sign({ sub: 'alice', cnf: { jkt: client.jkt } })
  const facts = (dpop: string[], extra: Partial<SenderFacts> = {}): SenderFacts => ({
    method: 'GET',
    url: URL_RECEIVED,
    dpop,
    forwarded: { proto: undefined, host: undefined },
    certificateThumbprint: undefined,
    ...extra,
  })
  /** Verifies the token (through the verified-token cache) and then its proof. */
  const check = async (
    scheme: 'Bearer' | 'DPoP',
    dpop: string[],
    extra?: Partial<SenderFacts>,
    t = token,
  ) => {
    const { payload } = await env.verifier.verify(t)
    await checkSenderConstraint({ token: t, scheme }, payload, facts(dpop, extra), policy)
  }
  const handProof = async (overrides: Record<string, unknown> = {}) =>
    client.forge({
      ...(await proofClaims('GET', HTU, token, Math.floor(env.clock.now() / 1000))),
      ...overrides,
    })
  return { ...env, policy, client, token, check, handProof }
}

describe('checkSenderConstraint: DPoP (RFC 9449 §4.3, §7)', () => {
  it('accepts a DPoP-bound token with a proof from the dpop library', async () => {
    const w = await world()
    await expect(w.check('DPoP', [await w.client.proof(HTU, 'GET', w.token)])).resolves.toBeUndefined()
  })

  it('checks the proof on every request, even when the token comes from the verified-token cache', async () => {
    const w = await world()
    await w.check('DPoP', [await w.client.proof(HTU, 'GET', w.token)])
    expect(await codeOf(w.check('DPoP', []))).toBe('ERR_DPOP_PROOF_INVALID')
    expect(await codeOf(w.check('Bearer', []))).toBe('ERR_TOKEN_BINDING_MISMATCH')
    expect(w.idp.counts.jwks).toBe(1)
  })

  it('refuses a replayed proof (same jti, same key)', async () => {
    const w = await world()
    const proof = await w.client.proof(HTU, 'GET', w.token)
    await w.check('DPoP', [proof])
    expect(await codeOf(w.check('DPoP', [proof]))).toBe('ERR_DPOP_PROOF_REPLAYED')
  })

  it('refuses a proof replayed on another instance that shares the replay store', async () => {
    const replayStore = new MemoryReplayStore()
    const a = await world({ dpop: { replayStore } })
    const proof = await a.client.proof(HTU, 'GET', a.token)
    await a.check('DPoP', [proof])
    const b = resolveSenderPolicy({ dpop: { replayStore } }, a.clock.now)
    const { payload } = await a.verifier.verify(a.token)
    const facts: SenderFacts = {
      method: 'GET',
      url: URL_RECEIVED,
      dpop: [proof],
      forwarded: { proto: undefined, host: undefined },
      certificateThumbprint: undefined,
    }
    const error = await codeOf(checkSenderConstraint({ token: a.token, scheme: 'DPoP' }, payload, facts, b))
    expect(error).toBe('ERR_DPOP_PROOF_REPLAYED')
  })

  it('remembers nothing for a proof that failed another check', async () => {
    const replayStore = new MemoryReplayStore()
    const w = await world({ dpop: { replayStore } })
    await codeOf(w.check('DPoP', [await w.handProof({ htm: 'POST' })]))
    expect(replayStore.size).toBe(0)
  })

  it('fails closed with ERR_REPLAY_STORE_UNAVAILABLE when the replay store cannot answer', async () => {
    const down = { remember: () => Promise.reject(new Error('store down')) }
    const w = await world({ dpop: { replayStore: down } })
    const error = await w.check('DPoP', [await w.client.proof(HTU, 'GET', w.token)]).catch((e: unknown) => e)
    expect(error).toMatchObject({ code: 'ERR_REPLAY_STORE_UNAVAILABLE', scheme: 'DPoP' })
  })

  it('refuses two proofs, in two fields or joined in one', async () => {
    const w = await world()
    const [p1, p2] = [await w.handProof(), await w.handProof()]
    expect(await codeOf(w.check('DPoP', [p1, p2]))).toBe('ERR_DPOP_PROOF_INVALID')
    expect(await codeOf(w.check('DPoP', [`${p1}, ${p2}`]))).toBe('ERR_DPOP_PROOF_INVALID')
  })

  it('refuses a proof by another key than cnf.jkt names', async () => {
    const w = await world()
    const other = await dpopClient()
    const proof = await other.proof(HTU, 'GET', w.token)
    expect(await codeOf(w.check('DPoP', [proof]))).toBe('ERR_TOKEN_BINDING_MISMATCH')
  })

  it('refuses a token without cnf.jkt sent with the DPoP scheme', async () => {
    const w = await world()
    const unbound = await w.idp.sign({ sub: 'alice' })
    const proof = await w.client.proof(HTU, 'GET', unbound)
    expect(await codeOf(w.check('DPoP', [proof], {}, unbound))).toBe('ERR_TOKEN_BINDING_MISMATCH')
  })

  it('refuses a DPoP-bound token sent as Bearer, even with DPoP off', async () => {
    const w = await world({})
    expect(await codeOf(w.check('Bearer', []))).toBe('ERR_TOKEN_BINDING_MISMATCH')
  })

  it('accepts a plain bearer token unless DPoP-only', async () => {
    const w = await world()
    const plain = await w.idp.sign({ sub: 'bob' })
    await expect(w.check('Bearer', [], {}, plain)).resolves.toBeUndefined()
    const only = await world({ dpop: { only: true } })
    const plainToo = await only.idp.sign({ sub: 'bob' })
    expect(await codeOf(only.check('Bearer', [], {}, plainToo))).toBe('ERR_DPOP_REQUIRED')
  })

  it('builds htu from the received URL: a spoofed X-Forwarded-Host is ignored unless trusted', async () => {
    const w = await world()
    const spoofed = await w.client.proof('https://evil.example/orders', 'GET', w.token)
    const forwarded = { proto: 'https', host: 'evil.example' }
    expect(await codeOf(w.check('DPoP', [spoofed], { forwarded }))).toBe('ERR_DPOP_PROOF_INVALID')
    const trusted = await world({ dpop: { trustForwardedHeaders: true } })
    const proof = await trusted.client.proof('https://public.example/orders', 'GET', trusted.token)
    const behindProxy = {
      url: 'http://10.0.0.1:8080/orders',
      forwarded: { proto: 'https', host: 'public.example' },
    }
    await expect(trusted.check('DPoP', [proof], behindProxy)).resolves.toBeUndefined()
  })

  it('asks for a nonce, then accepts the proof that carries it; an expired one is asked again', async () => {
    const w = await world({ dpop: { nonceSecrets: ['s'.repeat(32)], nonceStepSeconds: 60 } })
    const first = await w.check('DPoP', [await w.client.proof(HTU, 'GET', w.token)]).catch((e: unknown) => e)
    expect(first).toMatchObject({ code: 'ERR_DPOP_NONCE_REQUIRED', scheme: 'DPoP' })
    const nonce = (first as { dpopNonce: string }).dpopNonce
    await expect(w.check('DPoP', [await w.client.proof(HTU, 'GET', w.token, nonce)])).resolves.toBeUndefined()
    w.clock.advance(120_000)
    const late = await w.idp.sign({ sub: 'alice', cnf: { jkt: w.client.jkt } })
    const expired = await w.client.forge({
      ...(await proofClaims('GET', HTU, late, Math.floor(w.clock.now() / 1000))),
      nonce,
    })
    expect(await codeOf(w.check('DPoP', [expired], {}, late))).toBe('ERR_DPOP_NONCE_REQUIRED')
  })
})

describe('checkSenderConstraint: certificate-bound tokens (RFC 8705 §3)', () => {
  const THUMBPRINT = 'A'.repeat(43)
  it('accepts cnf x5t#S256 only with the matching client certificate', async () => {
    const w = await world({})
    const bound = await w.idp.sign({ sub: 'svc', cnf: { 'x5t#S256': THUMBPRINT } })
    await expect(w.check('Bearer', [], { certificateThumbprint: THUMBPRINT }, bound)).resolves.toBeUndefined()
    expect(await codeOf(w.check('Bearer', [], { certificateThumbprint: 'B'.repeat(43) }, bound))).toBe(
      'ERR_TOKEN_BINDING_MISMATCH',
    )
    expect(await codeOf(w.check('Bearer', [], {}, bound))).toBe('ERR_TOKEN_BINDING_MISMATCH')
  })
})
