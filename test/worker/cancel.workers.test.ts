import { exports } from 'cloudflare:workers'
import { afterEach, describe, expect, it } from 'vitest'
import { MemoryKeySetStore } from '../../src/cache/key-set-store.js'
import { createVerifier } from '../../src/index.js'
import { createAlbTestSigner, createTestIssuer, type TestIssuer } from '../../src/testing/index.js'
import { createGateway } from '../../src/worker/gateway.js'
import { scenario } from './support/entry.js'
import { GATEWAY, uniqueIssuer } from './support/gateway.js'

// Real requests through workerd (the `TestHandler` entrypoint of test/worker/support/entry.ts),
// each with its own ExecutionContext; the first one's client goes away mid-refetch. Work started
// by a cancelled request dies with it unless it was handed to `waitUntil`.

interface TestEntrypoint {
  fetch(request: Request, init?: RequestInit): Promise<Response>
}
const target = (exports as unknown as { TestHandler: TestEntrypoint }).TestHandler

function deferred() {
  let resolve!: () => void
  const promise = new Promise<void>((r) => {
    resolve = r
  })
  return { promise, resolve }
}

/**
 * Waits until `condition` holds, looking every few ms. A request's context must not resolve a
 * promise the test created: once that request is cancelled, workerd stops the test's own timers.
 * So the test watches plain state instead (it may resolve promises the requests wait on).
 */
async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 400 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 5))
  expect(condition()).toBe(true)
}

/**
 * A key endpoint, slow on demand: after `hold()`, the next key request (`isKeyRequest` says
 * which are) is held until the test calls the function `hold()` returned; `keyRequests` counts
 * every key request.
 */
function slowKeys(fetchKeys: typeof fetch, isKeyRequest: (url: string) => boolean) {
  let gate: ReturnType<typeof deferred> | undefined
  let keys = 0
  const fetchImpl: typeof fetch = async (input, init) => {
    const url = input instanceof Request ? input.url : String(input)
    if (isKeyRequest(url)) {
      keys += 1
      const held = gate
      gate = undefined
      if (held !== undefined) await held.promise
    }
    return fetchKeys(input, init)
  }
  return {
    fetch: fetchImpl,
    get keyRequests() {
      return keys
    },
    hold() {
      const held = deferred()
      gate = held
      return held.resolve
    },
  }
}

/** The issuer's JWKS endpoint, slow on demand. */
const slowJwks = (idp: TestIssuer) => slowKeys(idp.fetch, (url) => url === idp.jwksUri)

/** A request to the gateway carrying `token` in `header` (`authorization` means as a bearer). */
const sendIn =
  (header: string) =>
  (token: string, signal?: AbortSignal): Promise<Response> =>
    target.fetch(
      new Request(`${GATEWAY}/orders`, {
        headers: { [header]: header === 'authorization' ? `Bearer ${token}` : token },
      }),
      signal === undefined ? {} : { signal },
    )
const call = sendIn('authorization')

/** Sends a request, waits until the key endpoint holds its fetch, then cancels it. */
async function cancelledMidFetch(token: string, issuer: ReturnType<typeof slowKeys>, send = call) {
  const before = issuer.keyRequests
  const controller = new AbortController()
  const answered = send(token, controller.signal).then(
    (response) => response.status,
    (error: unknown) => (error as Error).name,
  )
  await until(() => issuer.keyRequests > before)
  controller.abort()
  expect(await answered).toBe('AbortError')
}

afterEach(() => {
  scenario.handle = undefined
})

describe('a client that disconnects while its request waits on the issuer (workerd)', () => {
  it.each([
    ['an unknown-kid refetch', true],
    ['a cold fetch', false],
  ])('%s it started survives it: the next requests are accepted', async (_, warm) => {
    const idp = await createTestIssuer({ issuer: uniqueIssuer() })
    const issuer = slowJwks(idp)
    const gateway = createGateway({
      fetch: issuer.fetch,
      store: new MemoryKeySetStore(),
      onEvent: () => undefined,
      log: () => undefined,
    })
    const env = { ISSUER: idp.issuer, AUDIENCE: idp.audience }
    scenario.handle = (request, ctx) => gateway.fetch(request, env, ctx)
    if (warm) {
      expect((await call(await idp.sign())).status).toBe(200)
      await idp.rotate()
    }
    const before = issuer.keyRequests
    const token = await idp.sign()
    const answer = issuer.hold()
    await cancelledMidFetch(token, issuer)
    // B and C carry the same kid; they wait for the refetch A started, which answers now.
    const b = call(token)
    const c = call(token)
    answer()
    expect([(await b).status, (await c).status]).toEqual([200, 200])
    expect((await call(token)).status).toBe(200)
    expect(issuer.keyRequests - before).toBe(1)
  })

  it('a refetch that died with its request arms no cooldown; a waiter re-enters the single flight', async () => {
    const idp = await createTestIssuer({ issuer: uniqueIssuer() })
    const issuer = slowJwks(idp)
    // No waitUntil: the refetch lives only as long as the request that started it.
    const verifier = createVerifier({
      issuer: idp.issuer,
      audience: idp.audience,
      fetch: issuer.fetch,
      timeoutMs: 100,
    })
    scenario.handle = async (request) => {
      const token = request.headers.get('authorization')?.slice('Bearer '.length) ?? ''
      return verifier.verify(token).then(
        () => new Response('ok'),
        (error: { code: string }) => new Response(error.code, { status: 401 }),
      )
    }
    expect((await call(await idp.sign())).status).toBe(200)
    await idp.rotate()
    const token = await idp.sign()
    const answer = issuer.hold()
    await cancelledMidFetch(token, issuer)
    // B joins the dead refetch, gives up at its deadline, and fetches again: the new kid is found.
    const b = await call(token)
    expect([b.status, await b.text()]).toEqual([200, 'ok'])
    expect(issuer.keyRequests).toBe(3)
    answer()
  })
})

describe('a client that disconnects while its request waits on the ALB key endpoint (workerd)', () => {
  async function albGateway() {
    const alb = await createAlbTestSigner({ issuer: uniqueIssuer() })
    const keys = slowKeys(alb.fetch, () => true)
    const gateway = createGateway({
      fetch: keys.fetch,
      store: new MemoryKeySetStore(),
      onEvent: () => undefined,
      log: () => undefined,
    })
    const env = { ISSUER: alb.issuer, AWS_ALB_SIGNERS: alb.signer }
    scenario.handle = (request, ctx) => gateway.fetch(request, env, ctx)
    const send = sendIn('x-amzn-oidc-data')
    const cancelledMidProbe = (token: string) => cancelledMidFetch(token, keys, send)
    return { alb, keys, send, cancelledMidProbe }
  }

  it('the probe of a new kid it started survives it: the next requests are accepted, one fetch', async () => {
    const { alb, keys, send, cancelledMidProbe } = await albGateway()
    const token = await alb.sign()
    const answer = keys.hold()
    await cancelledMidProbe(token)
    const b = send(token)
    const c = send(token)
    answer()
    expect([(await b).status, (await c).status]).toEqual([200, 200])
    expect((await send(token)).status).toBe(200)
    expect(keys.keyRequests).toBe(1)
  })

  it('a probe the endpoint refuses after its request is gone still arms the cooldown', async () => {
    const { alb, keys, send, cancelledMidProbe } = await albGateway()
    const answer = keys.hold()
    await cancelledMidProbe(await alb.sign({}, { kid: crypto.randomUUID() }))
    answer()
    // The probe's 403 lands inside the probe (handed to waitUntil), not in the gone request.
    await until(() => alb.counts.keys === 1)
    const other = await send(await alb.sign({}, { kid: crypto.randomUUID() }))
    expect(other.status).toBe(401)
    expect(keys.keyRequests).toBe(1)
  })
})
