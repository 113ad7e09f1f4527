import { runDurableObjectAlarm } from 'cloudflare:test'
import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import {
  type DurableObjectNamespaceLike,
  DurableObjectReplayStore,
} from '../../src/worker/stores/replay-durable-object.js'

/** The DPOP_REPLAY namespace wrangler.toml binds: the real Durable Object, in workerd. */
function namespace(): DurableObjectNamespaceLike {
  const binding = (env as { DPOP_REPLAY?: DurableObjectNamespaceLike }).DPOP_REPLAY
  if (binding === undefined) throw new Error('wrangler.toml must bind DPOP_REPLAY')
  return binding
}

const unique = () => `jkt:${crypto.randomUUID()}`

describe('DurableObjectReplayStore (workerd, real Durable Object)', () => {
  it('remembers an id once: a second instance sharing the namespace sees the replay', async () => {
    const a = new DurableObjectReplayStore(namespace())
    const b = new DurableObjectReplayStore(namespace())
    const id = unique()
    expect(await a.remember(id, Date.now() + 60_000)).toBe(true)
    expect(await b.remember(id, Date.now() + 60_000)).toBe(false)
    expect(await a.remember(id, Date.now() + 60_000)).toBe(false)
  })

  it('lets exactly one of many concurrent requests with the same id through', async () => {
    const stores = Array.from({ length: 8 }, () => new DurableObjectReplayStore(namespace()))
    const id = unique()
    const results = await Promise.all(stores.map((store) => store.remember(id, Date.now() + 60_000)))
    expect(results.filter(Boolean)).toHaveLength(1)
  })

  it('accepts an id again once its entry has expired', async () => {
    const store = new DurableObjectReplayStore(namespace(), { shards: 1 })
    const id = unique()
    expect(await store.remember(id, Date.now() - 1)).toBe(true)
    expect(await store.remember(id, Date.now() + 60_000)).toBe(true)
    expect(await store.remember(id, Date.now() + 60_000)).toBe(false)
  })

  it('sweeps expired entries with its alarm and keeps live ones', async () => {
    const ns = namespace()
    const store = new DurableObjectReplayStore(ns, { shards: 1 })
    const [gone, live] = [unique(), unique()]
    await store.remember(gone, Date.now() - 1)
    await store.remember(live, Date.now() + 60_000)
    const stub = ns.get(ns.idFromName('dpop-replay-0') as never)
    expect(await runDurableObjectAlarm(stub as never)).toBe(true)
    expect(await store.remember(live, Date.now() + 60_000)).toBe(false)
    expect(await store.remember(gone, Date.now() + 60_000)).toBe(true)
  })

  it('refuses a malformed request to the object', async () => {
    const ns = namespace()
    const stub = ns.get(ns.idFromName('dpop-replay-0') as never)
    expect((await stub.fetch('https://dpop-replay/remember', { method: 'POST', body: '{}' })).status).toBe(
      400,
    )
  })
})
