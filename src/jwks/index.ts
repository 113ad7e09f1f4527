export type { DroppedJwk, JwksDropReason, JwksFilterResult, JwksFilterRules } from './filter.js'
export { filterJwks, partitionJwks } from './filter.js'
