import type { KeySetStore } from '../cache/key-set-store.js'
import type { JwtAuthError } from '../errors.js'
import { DEFAULT_REALM, type HttpAnswerOptions, toJwtAuthError } from '../http/answer.js'
import { jsonResponse } from '../http/json-response.js'
import { isCorsPreflight } from '../middleware/authenticate.js'
import { dpopChallenge } from '../sender/options.js'
import { type OptionNames, refuseUnknownOptions } from '../verifier/option-names.js'
import type { VerifyCallOptions } from '../verifier/options.js'
import { authenticate } from './auth.js'
import { type ConfigProblem, describeProblems, loadConfig } from './config/load.js'
import { type ExecutionContextLike, GATEWAY_ENV_NAMES, type GatewayEnv } from './env.js'
import { healthy, unhealthy } from './health.js'
import { isPublicPath, normalizePath } from './path.js'
import { echo, type Forwarding, forward } from './proxy.js'
import { audienceHere, isMetadataPath, resourceFor, resourceRefusal, serveMetadata } from './resources.js'
import { authFailure, badPath, methodNotAllowed, misconfigured } from './responses.js'
import { buildRuntime, type GatewayEvent, type GatewayRuntime, RuntimeConfigError } from './runtime.js'

/** Fixed routes (docs/gateway.md), matched on the normalised path. */
export const HEALTH_PATH = '/healthz'
export const JWKS_PATH = '/.well-known/jwks.json'

/** Options of {@link createGateway}: everything has a Workers default; tests inject the rest. */
export interface GatewayOptions {
  /**
   * Values that take precedence over the Worker's `env` (a var fixed in code). Merged per
   * request: `{ ...env, ...vars }`.
   */
  vars?: Partial<GatewayEnv>
  /** Fetch for discovery, issuer JWKS and JWKS_SOURCES. Default: global `fetch`. */
  fetch?: typeof fetch
  /** Fetch for proxying to UPSTREAM (e.g. a service binding's `fetch`). Default: global `fetch`. */
  upstreamFetch?: typeof fetch
  /** Key-set store shared by isolates. Default: KV when JWKS_CACHE is bound, else the Cache API. */
  store?: KeySetStore
  /** Epoch-ms clock. Default `Date.now`. */
  now?: () => number
  /** `realm` of `WWW-Authenticate`. Default `"api"`. */
  realm?: string
  /** Cache and publisher events. Default: one console line per failed fetch. */
  onEvent?: (event: GatewayEvent) => void
  /** Where the one configuration-error line goes. Default `console.error`. */
  log?: (line: string) => void
}

/** Every {@link GatewayOptions} name: `createGateway()` refuses any other. */
const GATEWAY_OPTION_NAMES: OptionNames<GatewayOptions> = {
  vars: true,
  fetch: true,
  upstreamFetch: true,
  store: true,
  now: true,
  realm: true,
  onEvent: true,
  log: true,
}

/** A Worker module's default export. */
export interface Gateway {
  fetch(request: Request, env?: GatewayEnv, ctx?: ExecutionContextLike): Promise<Response>
}

type State = { ok: true; runtime: GatewayRuntime } | { ok: false; problems: ConfigProblem[] }

/** Bindings, compared by identity rather than by value. */
const BINDINGS: ReadonlySet<string> = new Set(['JWKS_CACHE', 'DPOP_REPLAY'])
/**
 * The variables that make up a configuration, for recognising an equal env object: every name of
 * {@link GatewayEnv} but the bindings.
 */
const VARIABLES = Object.keys(GATEWAY_ENV_NAMES).filter((name) => !BINDINGS.has(name))

/**
 * The edge gateway of docs/gateway.md as a Worker: `export default createGateway()`.
 *
 * Configuration comes from the Worker's vars and bindings and is validated once per isolate
 * (per `env` object); a bad one answers every request 500 and logs one line naming the bad
 * variables, never a half-working gateway. Then, for each request, on the normalised path:
 * `GET /healthz` reports key-cache state, `GET /.well-known/jwks.json` re-serves the filtered
 * public JWKS, CORS preflights pass without auth, PUBLIC_PATHS verify a token when one is sent
 * (optional auth: an invalid one makes the request anonymous), and everything else needs a
 * valid bearer token before it is proxied to UPSTREAM (or echoed when UPSTREAM is unset).
 * A forwarded `Authorization` or identity header always means verified.
 * Rejections follow docs/middleware.md#http-answers and never reach the upstream.
 *
 * @example
 * // src/index.ts of a Worker whose wrangler.toml sets ISSUER, AUDIENCE and UPSTREAM
 * import { createGateway } from 'jwks-gateway/worker'
 * export default createGateway()
 */
export function createGateway(options: GatewayOptions = {}): Gateway {
  refuseUnknownOptions('createGateway()', options, GATEWAY_OPTION_NAMES)
  if (typeof options.vars === 'object' && options.vars !== null) {
    refuseUnknownOptions('createGateway()', options.vars, GATEWAY_ENV_NAMES, {
      option: 'vars',
      within: '"vars"',
    })
  }
  const realm = options.realm ?? DEFAULT_REALM
  const upstreamFetch =
    options.upstreamFetch ?? ((input: RequestInfo | URL, init?: RequestInit) => fetch(input, init))
  const log = options.log ?? ((line: string) => console.error(line))
  const byEnv = new WeakMap<object, State>()
  // Stands for "called without env" (e.g. outside Workers, with `vars` only) in `byEnv`.
  const noEnv = {}
  let last: { fingerprint: string; env: Record<string, unknown>; state: State } | undefined

  function stateFor(env: GatewayEnv | undefined): State {
    const key = env ?? noEnv
    const known = byEnv.get(key)
    if (known !== undefined) return known
    const merged: Record<string, unknown> = { ...env, ...options.vars }
    const fingerprint = JSON.stringify(VARIABLES.map((name) => merged[name] ?? null))
    // workerd may hand each request a fresh env object; an equal one reuses the runtime, and so
    // its key cache.
    if (
      last !== undefined &&
      last.fingerprint === fingerprint &&
      [...BINDINGS].every((name) => last?.env[name] === merged[name])
    ) {
      byEnv.set(key, last.state)
      return last.state
    }
    const state = build(merged)
    if (!state.ok) log(describeProblems(state.problems))
    byEnv.set(key, state)
    last = { fingerprint, env: merged, state }
    return state
  }

  function build(env: Record<string, unknown>): State {
    const loaded = loadConfig(env)
    if (!loaded.ok) return loaded
    try {
      return { ok: true, runtime: buildRuntime(loaded.config, options) }
    } catch (error) {
      if (error instanceof RuntimeConfigError) return { ok: false, problems: [error.problem] }
      throw error
    }
  }

  async function route(request: Request, runtime: GatewayRuntime, ctx: ExecutionContextLike | undefined) {
    const method = request.method.toUpperCase()
    const url = new URL(request.url)
    const normal = normalizePath(url.pathname)
    if (!normal.ok) return badPath(method, normal.reason)
    const { path } = normal
    if (path === HEALTH_PATH) {
      return method === 'GET' || method === 'HEAD'
        ? healthy(method, runtime.verifier)
        : methodNotAllowed('GET, HEAD')
    }
    if (path === JWKS_PATH) return runtime.jwks(request, ctx)
    const { config, resources } = runtime
    if (resources.length > 0 && isMetadataPath(path)) return serveMetadata(method, path, resources)
    const resource = resourceFor(path, resources)
    const forwarding: Forwarding = { request, path, search: url.search, verified: undefined }
    // A preflight is the browser asking, without credentials: passed on, never verified.
    if (!isCorsPreflight(method, request.headers.has('access-control-request-method'))) {
      const isPublic = isPublicPath(path, config.publicPaths)
      const anyAudience = config.audiences.length > 0 || config.clientIds.length > 0
      if (!isPublic && resources.length > 0 && resource === undefined && !anyAudience) {
        return jsonResponse(method, 404, {
          error: 'not_found',
          error_description: 'No such protected resource',
        })
      }
      const answer: HttpAnswerOptions = { realm, dpop: dpopChallenge(runtime.sender) }
      if (resource !== undefined) {
        answer.resourceMetadata = resource.metadataUrl
        answer.scope = config.requiredScopes.length > 0 ? config.requiredScopes : resource.challengeScope
      }
      const waitUntil = ctx === undefined ? undefined : (promise: Promise<unknown>) => ctx.waitUntil(promise)
      let refused: JwtAuthError | undefined
      try {
        const call: VerifyCallOptions = {
          ...(waitUntil === undefined ? {} : { waitUntil }),
          ...(resources.length === 0 ? {} : { audience: audienceHere(resource, config) }),
        }
        const verified = await authenticate(
          request,
          url.search,
          runtime.verifier,
          runtime.denyKids,
          call,
          runtime.sender,
          runtime.config.tokenHeader,
        )
        // Verified, so the credential's scheme is the one its Authorization header names.
        const scheme = /^dpop /i.test(request.headers.get('authorization') ?? '') ? 'DPoP' : 'Bearer'
        refused = resourceRefusal(verified, path, runtime, scheme)
        if (refused === undefined) forwarding.verified = verified
      } catch (error) {
        refused = toJwtAuthError(error)
      }
      // Public paths take a token optionally: one that does not verify, for whatever reason,
      // only makes the request anonymous (no Authorization, no identity headers upstream).
      if (refused !== undefined && !isPublic) return authFailure(refused, method, answer)
    }
    const upstream = runtime.config.upstream
    return upstream === undefined
      ? echo(forwarding, runtime.config)
      : forward(upstream, forwarding, runtime.config, upstreamFetch)
  }

  return {
    async fetch(request, env, ctx) {
      const method = request.method.toUpperCase()
      const state = stateFor(env)
      if (!state.ok) {
        const normal = normalizePath(new URL(request.url).pathname)
        return normal.ok && normal.path === HEALTH_PATH
          ? unhealthy(method, state.problems)
          : misconfigured(method)
      }
      const { runtime } = state
      try {
        return await route(request, runtime, ctx)
      } catch {
        // A bug of ours: fail closed, and say nothing about it to the client.
        return jsonResponse(method, 500, { error: 'server_error', error_description: 'Internal error' })
      }
    },
  }
}
