/**
 * `jwks-gateway/worker`: the edge gateway of docs/gateway.md as a Cloudflare Worker, and the key-set
 * stores it shares between isolates (Cache API, KV).
 */
export type { KeySetStore, StoredKeySet } from '../cache/key-set-store.js'
export type { ConfigProblem, GatewayConfig } from './config/load.js'
export type { ExecutionContextLike, GatewayEnv, KVLike } from './env.js'
export { createGateway, type Gateway, type GatewayOptions, HEALTH_PATH, JWKS_PATH } from './gateway.js'
export { type NormalizedPath, normalizePath, type PathRejection } from './path.js'
export type { GatewayEvent } from './runtime.js'
export { CacheApiKeySetStore, type CacheLike } from './stores/cache-api.js'
export { KvKeySetStore } from './stores/kv.js'
export {
  DpopReplayObject,
  type DurableObjectNamespaceLike,
  DurableObjectReplayStore,
} from './stores/replay-durable-object.js'
