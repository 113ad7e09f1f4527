// The whole gateway: configuration comes from wrangler.toml [vars] (see docs/gateway.md).
// `createGateway()` validates it once per isolate; a mistake answers 500 and /healthz says which
// variable is wrong.
import { createGateway } from 'jwks-gateway/worker'

export default createGateway({ realm: 'orders-api' })
