// The root Worker (wrangler.toml `main`): the gateway configured entirely from vars and bindings.
import { createGateway } from './gateway.js'

// The DPoP replay store's Durable Object class (wrangler.toml binds it as DPOP_REPLAY).
export { DpopReplayObject } from './stores/replay-durable-object.js'

export default createGateway()
