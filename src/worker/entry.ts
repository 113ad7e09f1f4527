// The root Worker (wrangler.toml `main`): the gateway configured entirely from vars and bindings.
import { createGateway } from './gateway.js'

export default createGateway()
