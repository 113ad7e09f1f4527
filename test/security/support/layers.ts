import { Hono } from 'hono'
import type { JWTPayload } from 'jose'
import { MemoryKeySetStore } from '../../../src/cache/key-set-store.js'
import { type JwksAuthEnv, jwksAuth } from '../../../src/hono/index.js'
import {
  createVerifier,
  httpAnswer,
  isJwtAuthError,
  type JwtAuthError,
  type JwtAuthErrorCode,
} from '../../../src/index.js'
import type { Algorithm } from '../../../src/jwk/algorithms.js'
import type { ClaimsCheck, IssuerOptions, VerifierEvent } from '../../../src/verifier/options.js'
import { createGateway } from '../../../src/worker/gateway.js'
import type { GatewayEnv } from '../../../src/worker/index.js'
import type { World } from './world.js'

/** Where a row can bite: the core verifier, the two middlewares, and the gateway Worker. */
export type Layer = 'core' | 'hono' | 'express' | 'gateway'

/** True inside workerd (the `workers` vitest project), false in Node. */
export const IN_WORKERD =
  (globalThis as { navigator?: { userAgent?: string } }).navigator?.userAgent === 'Cloudflare-Workers'

/** Express needs a real socket: Node only. */
const EXPRESS: Layer[] = IN_WORKERD ? [] : ['express']
/** Every layer a token reaches. */
export const TOKEN_LAYERS: readonly Layer[] = ['core', 'hono', 'gateway', ...EXPRESS]
/** Layers that read an HTTP request (carriers, methods, paths). */
export const HTTP_LAYERS: readonly Layer[] = ['hono', 'gateway', ...EXPRESS]
/** Layers that take every verifier option (the gateway has only its docs/gateway.md variables). */
export const CONFIGURABLE_LAYERS: readonly Layer[] = ['core', 'hono', ...EXPRESS]

/** What a target is built with, on top of the world's issuer, audience, fetch and clock. */
export interface TargetOptions {
  /** Default: the world's issuer. Objects (local secrets...) are not for the gateway. */
  issuers?: readonly (string | IssuerOptions)[]
  algorithms?: readonly Algorithm[]
  clockToleranceSeconds?: number
  jwksUri?: string
  requiredScopes?: readonly string[]
  /** Not gateway variables: only core, Hono and Express take these. */
  typ?: string
  maxTokenAgeSeconds?: number
  requiredClaims?: readonly string[]
  check?: ClaimsCheck
  timeoutMs?: number
  maxBodyBytes?: number
  cooldownMs?: number
  maxStaleMs?: number
  tokenCacheSize?: number
  /** Middleware token sources. */
  query?: boolean
  cookie?: string
  /** Extra gateway variables (FORWARD_TOKEN, PUBLIC_PATHS, ...). */
  vars?: Partial<GatewayEnv>
  /** Another fetch than the world's (a throwing one, say). */
  fetch?: typeof fetch
  /** Another clock than the world's (a throwing one, say). */
  now?: () => number
  /** Observes events after the target's own recorder (a throwing one, say). */
  onEvent?: (event: VerifierEvent) => void
  /** Gateway: no `onEvent`, so its default logger (console.warn) reports fetch failures. */
  defaultLogging?: boolean
}

/** One request; `token` becomes `Authorization: Bearer <token>`. */
export interface Send {
  token?: string
  headers?: [string, string][]
  query?: string
  method?: string
  path?: string
}

/** What came back, and what the layer said about it. */
export interface Probe {
  layer: Layer
  status: number
  challenge: string | null
  retryAfter: string | null
  contentType: string | null
  body: string
  /** The precise code of the rejection (onError, the verify_failed event, or the throw). */
  code: JwtAuthErrorCode | undefined
  /** Whether the handler (middleware), the upstream (gateway) or the caller (core) got it. */
  reached: boolean
  /** The payload the handler saw, or the request the upstream received. */
  seen: { payload?: JWTPayload; url?: string; headers?: Headers } | undefined
}

export interface Target {
  readonly layer: Layer
  send(request: Send): Promise<Probe>
  /** Verifies one good token (200; default: a fresh one), waits for background work, then clears counts and events. */
  warm(token?: string): Promise<void>
  /** Waits for every `waitUntil` promise (background refreshes, store writes). */
  settle(): Promise<void>
  readonly events: VerifierEvent[]
  /** Every rejection the layer reported: onError's errors, or the core's throws. */
  readonly errors: JwtAuthError[]
  readonly logs: string[]
  close(): Promise<void>
}

/** The instrumented parts every layer shares. */
export interface Wiring {
  world: World
  options: TargetOptions
  events: VerifierEvent[]
  codes: JwtAuthErrorCode[]
  errors: JwtAuthError[]
  pending: Promise<unknown>[]
  logs: string[]
  verifierOptions: Parameters<typeof createVerifier>[0]
}

export const API_PATH = '/api/items'
export const UPSTREAM = 'https://upstream.test'
const GATEWAY = 'https://gateway.test'

const open: Target[] = []

/** Closes every target made since the last call (register with `afterEach`). */
export async function closeTargets(): Promise<void> {
  for (const target of open.splice(0)) await target.close()
}

export async function makeTarget(layer: Layer, world: World, options: TargetOptions = {}): Promise<Target> {
  const wiring = wire(world, options)
  let impl: { send(request: Send): Promise<Probe>; close(): Promise<void> }
  if (layer === 'core') impl = coreImpl(wiring)
  else if (layer === 'hono') impl = honoImpl(wiring)
  else if (layer === 'gateway') impl = gatewayImpl(wiring)
  else impl = await (await import('./express-layer.js')).expressImpl(wiring)
  const settle = async () => {
    while (wiring.pending.length > 0) await Promise.allSettled(wiring.pending.splice(0))
  }
  const target: Target = {
    layer,
    send: impl.send,
    settle,
    events: wiring.events,
    errors: wiring.errors,
    logs: wiring.logs,
    close: impl.close,
    async warm(token) {
      const probe = await impl.send({ token: token ?? (await world.idp.sign()) })
      if (probe.status !== 200) throw new Error(`warm-up answered ${probe.status} (${probe.code})`)
      await settle()
      for (const issuer of [world.idp, ...world.others]) issuer.resetCounts()
      world.requests.length = 0
      wiring.events.length = 0
      wiring.codes.length = 0
      wiring.errors.length = 0
    },
  }
  open.push(target)
  return target
}

function wire(world: World, options: TargetOptions): Wiring {
  const events: VerifierEvent[] = []
  const codes: JwtAuthErrorCode[] = []
  const pending: Promise<unknown>[] = []
  const {
    issuers,
    query: _q,
    cookie: _c,
    vars: _v,
    defaultLogging: _d,
    fetch,
    now,
    onEvent,
    ...rest
  } = options
  const list = issuers ?? [world.idp.issuer]
  const verifierOptions = {
    ...rest,
    issuer: list.length === 1 ? (list[0] as string | IssuerOptions) : list,
    audience: world.idp.audience,
    fetch: fetch ?? world.fetch,
    now: now ?? world.clock.now,
    waitUntil: (promise: Promise<unknown>) => void pending.push(promise),
    onEvent: (event: VerifierEvent) => {
      events.push(event)
      if (event.type === 'verify_failed') codes.push(event.code)
      onEvent?.(event)
    },
  }
  return { world, options, events, codes, errors: [], pending, logs: [], verifierOptions }
}

function headersOf(request: Send): Headers {
  const headers = new Headers()
  if (request.token !== undefined) headers.append('authorization', `Bearer ${request.token}`)
  for (const [name, value] of request.headers ?? []) headers.append(name, value)
  return headers
}

/** The probe of a fetch-API response. */
export async function probeOf(
  layer: Layer,
  response: Response,
  code: JwtAuthErrorCode | undefined,
  seen: Probe['seen'],
): Promise<Probe> {
  return {
    layer,
    status: response.status,
    challenge: response.headers.get('www-authenticate'),
    retryAfter: response.headers.get('retry-after'),
    contentType: response.headers.get('content-type'),
    body: await response.text(),
    code,
    reached: seen !== undefined,
    seen,
  }
}

function coreImpl(w: Wiring) {
  const verifier = createVerifier(w.verifierOptions)
  return {
    async send(request: Send): Promise<Probe> {
      if (request.token === undefined || request.headers !== undefined || request.query !== undefined) {
        throw new Error('the core verifier takes a token, not a request')
      }
      try {
        const verified = await verifier.verify(request.token)
        return probeOf('core', Response.json({ ok: true }), undefined, { payload: verified.payload })
      } catch (error) {
        if (!isJwtAuthError(error)) throw error
        w.errors.push(error)
        const answer = httpAnswer(error, { method: request.method ?? 'GET' })
        const body = answer.body === null ? null : JSON.stringify(answer.body)
        const response = new Response(body, { status: answer.status, headers: answer.headers })
        return probeOf('core', response, error.code, undefined)
      }
    },
    close: async () => undefined,
  }
}

function honoImpl(w: Wiring) {
  let seen: Probe['seen']
  const app = new Hono<JwksAuthEnv>()
  app.use(
    '/api/*',
    jwksAuth({
      ...w.verifierOptions,
      ...(w.options.query === undefined ? {} : { query: w.options.query }),
      ...(w.options.cookie === undefined ? {} : { cookie: w.options.cookie }),
      onError: (error) => {
        w.codes.push(error.code)
        w.errors.push(error)
      },
    }),
  )
  app.all('/api/*', (c) => {
    seen = { payload: c.get('auth').payload }
    return c.json({ sub: c.get('auth').payload.sub ?? null })
  })
  const ctx = {
    waitUntil: (promise: Promise<unknown>) => void w.pending.push(promise),
    passThroughOnException() {},
    props: {},
  }
  return {
    async send(request: Send): Promise<Probe> {
      seen = undefined
      const before = w.codes.length
      const init = { method: request.method ?? 'GET', headers: headersOf(request) }
      const response = await app.request(`${request.path ?? API_PATH}${request.query ?? ''}`, init, {}, ctx)
      return probeOf('hono', response, w.codes.slice(before).at(-1), seen)
    },
    close: async () => undefined,
  }
}

const NON_GATEWAY_OPTIONS = [
  'typ',
  'maxTokenAgeSeconds',
  'requiredClaims',
  'check',
  'timeoutMs',
  'maxBodyBytes',
  'cooldownMs',
  'maxStaleMs',
  'tokenCacheSize',
  'query',
  'cookie',
] as const

function gatewayImpl(w: Wiring) {
  for (const name of NON_GATEWAY_OPTIONS) {
    if (w.options[name] !== undefined) throw new Error(`the gateway has no "${name}" setting`)
  }
  const upstream: { url: string; headers: Headers }[] = []
  const o = w.options
  const env: GatewayEnv = {
    ISSUER: (o.issuers ?? [w.world.idp.issuer])
      .map((issuer) => {
        if (typeof issuer !== 'string') throw new Error('the gateway takes issuer URLs only')
        return issuer
      })
      .join(','),
    AUDIENCE: w.world.idp.audience,
    UPSTREAM,
    ...(o.algorithms === undefined ? {} : { ALGORITHMS: o.algorithms.join(',') }),
    ...(o.clockToleranceSeconds === undefined ? {} : { CLOCK_TOLERANCE: o.clockToleranceSeconds }),
    ...(o.jwksUri === undefined ? {} : { JWKS_URI: o.jwksUri }),
    ...(o.requiredScopes === undefined ? {} : { REQUIRED_SCOPES: o.requiredScopes.join(' ') }),
    ...o.vars,
  }
  const gateway = createGateway({
    fetch: w.verifierOptions.fetch as typeof fetch,
    upstreamFetch: (async (input: RequestInfo | URL, init?: RequestInit) => {
      const request = new Request(input, init)
      upstream.push({ url: request.url, headers: request.headers })
      return Response.json({ upstream: true })
    }) as typeof fetch,
    now: w.verifierOptions.now as () => number,
    store: new MemoryKeySetStore(w.world.clock.now),
    ...(w.options.defaultLogging === true
      ? {}
      : { onEvent: w.verifierOptions.onEvent as (event: unknown) => void }),
    log: (line) => void w.logs.push(line),
  })
  const ctx = { waitUntil: (promise: Promise<unknown>) => void w.pending.push(promise) }
  return {
    async send(request: Send): Promise<Probe> {
      const before = { codes: w.codes.length, upstream: upstream.length }
      const url = `${GATEWAY}${request.path ?? API_PATH}${request.query ?? ''}`
      const init = { method: request.method ?? 'GET', headers: headersOf(request) }
      const response = await gateway.fetch(new Request(url, init), env, ctx)
      const call = upstream.slice(before.upstream).at(-1)
      // Extraction failures are thrown before the verifier runs, so they have no event: the
      // answer says which (the mapping is exhaustive, see test/http/answer.test.ts).
      let code = w.codes.slice(before.codes).at(-1)
      if (code === undefined && response.status === 400 && response.headers.has('www-authenticate'))
        code = 'ERR_REQUEST_INVALID'
      if (code === undefined && response.headers.get('www-authenticate') === 'Bearer realm="api"')
        code = 'ERR_TOKEN_MISSING'
      return probeOf('gateway', response, code, call)
    },
    close: async () => undefined,
  }
}
