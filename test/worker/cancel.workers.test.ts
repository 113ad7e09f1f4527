import { exports } from 'cloudflare:workers'
import { afterEach, describe, expect, it } from 'vitest'
import { MemoryKeySetStore } from '../../src/cache/key-set-store.js'
import { createVerifier } from '../../src/index.js'
import { createTestIssuer, type TestIssuer } from '../../src/testing/index.js'
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
 * The issuer's JWKS endpoint, slow on demand: after `hold()`, the next JWKS request is held until
 * the test calls `answer()`; `jwksRequests` counts every JWKS request.
 */
function slowJwks(idp: TestIssuer) {
  let gate: ReturnType<typeof deferred> | undefined
  let jwks = 0
  const fetchImpl: typeof fetch = async (input, init) => {
    const url = input instanceof Request ? input.url : String(input)
    if (url === idp.jwksUri) {
      jwks += 1
      const held = gate
      gate = undefined
      if (held !== undefined) await held.promise
    }
    return idp.fetch(input, init)
  }
  return {
    fetch: fetchImpl,
    get jwksRequests() {
      return jwks
    },
    hold() {
      const held = deferred()
      gate = held
      return held.resolve
    },
  }
}

const call = (token: string, signal?: AbortSignal) =>
  target.fetch(
    new Request(`${GATEWAY}/orders`, { headers: { authorization: `Bearer ${token}` } }),
    signal === undefined ? {} : { signal },
  )

/** Sends a request, waits until the issuer holds its JWKS fetch, then cancels it. */
async function cancelledMidFetch(token: string, issuer: ReturnType<typeof slowJwks>) {
  const before = issuer.jwksRequests
  const controller = new AbortController()
  const answered = call(token, controller.signal).then(
    (response) => response.status,
    (error: unknown) => (error as Error).name,
  )
  await until(() => issuer.jwksRequests > before)
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
    const before = issuer.jwksRequests
    const token = await idp.sign()
    const answer = issuer.hold()
    await cancelledMidFetch(token, issuer)
    // B and C carry the same kid; they wait for the refetch A started, which answers now.
    const b = call(token)
    const c = call(token)
    answer()
    expect([(await b).status, (await c).status]).toEqual([200, 200])
    expect((await call(token)).status).toBe(200)
    expect(issuer.jwksRequests - before).toBe(1)
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
    expect(issuer.jwksRequests).toBe(3)
    answer()
  })
})
