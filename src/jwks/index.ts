export type { DroppedJwk, JwksDropReason, JwksFilterResult, JwksFilterRules } from './filter.js'
export { filterJwks, partitionJwks } from './filter.js'
export {
  type PublicJwksEvent,
  type PublicJwksHandler,
  type PublicJwksHandlerOptions,
  type PublicJwksSource,
  publicJwksHandler,
} from './public-handler.js'
