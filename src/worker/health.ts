import { jsonResponse } from '../http/json-response.js'
import type { Verifier } from '../verifier/create-verifier.js'
import type { ConfigProblem } from './config/load.js'

const MS_PER_SECOND = 1000

/**
 * `/healthz`: each issuer's key-cache state (count, age, last fetch, staleness, backoff), and
 * nothing secret: no keys, no tokens, no JWKS body. 200 whenever the configuration is valid;
 * whether keys are loaded is data for the reader, not a failure of the gateway.
 */
export function healthy(method: string, verifier: Verifier): Response {
  const issuers = verifier.health().map((state) => ({
    issuer: state.issuer,
    keys: state.keys,
    ageSeconds: state.ageMs === undefined ? null : Math.floor(state.ageMs / MS_PER_SECOND),
    stale: state.stale,
    lastFetch:
      state.lastFetch === undefined
        ? null
        : {
            ok: state.lastFetch.ok,
            at: new Date(state.lastFetch.at).toISOString(),
            ...(state.lastFetch.reason === undefined ? {} : { reason: state.lastFetch.reason }),
          },
    retryInSeconds: Math.ceil(state.retryInMs / MS_PER_SECOND),
  }))
  return jsonResponse(method, 200, { status: 'ok', issuers })
}

/** `/healthz` of a misconfigured gateway: 500 and the bad variables' names, nothing else. */
export function unhealthy(method: string, problems: readonly ConfigProblem[]): Response {
  return jsonResponse(method, 500, {
    status: 'misconfigured',
    variables: problems.map((problem) => problem.variable),
  })
}
