// Three gateways of the root Worker's code, chosen by the first path segment (see wrangler.toml).
// ISSUER and AUDIENCE come from `--var`, like the gateway section's; each gateway fixes DPOP.
import { MemoryReplayStore } from '../../../src/sender/replay-store.ts'
import { createGateway, DpopReplayObject } from '../../../src/worker/index.ts'

export { DpopReplayObject }

// The gateway's DurableObjectReplayStore, unchanged, over a namespace whose one "object" answers
// from memory: what /do costs more than /memory is the Durable Object call and its storage.
const memory = new MemoryReplayStore()
const memoryNamespace = {
  idFromName: (name) => name,
  get: () => ({
    async fetch(_input, init) {
      const { id, expiresAtMs } = JSON.parse(init.body)
      return Response.json({ fresh: await memory.remember(id, expiresAtMs) })
    },
  }),
}

const gateways = {
  bearer: createGateway({ vars: { DPOP: 'off' } }),
  do: createGateway({ vars: { DPOP: 'on' } }),
  memory: createGateway({ vars: { DPOP: 'on', DPOP_REPLAY: memoryNamespace } }),
}

export default {
  fetch(request, env, ctx) {
    const variant = new URL(request.url).pathname.split('/')[1]
    return (gateways[variant] ?? gateways.do).fetch(request, env, ctx)
  },
}
