// The columns of the benchmark: the WebCrypto floor, our three faces, the npm peers and the bare
// frameworks. `setup(ctx)` runs once per issuer (it loads modules and starts hosts) and resolves
// to `{ error }` when the column cannot run; `create(alg, options)` builds a fresh, cold client
// (a new cache, nothing fetched yet) whose `verify(token)` resolves when the token is accepted
// and rejects otherwise. Peers run with their defaults, plus only what a local http issuer needs.
import { loadPeer } from './env.mjs'
import { expressHost, honoHost } from './hosts.mjs'
import { FLOOR_PARAMS, floorMaterial } from './tokens.mjs'

/** A middleware answered something other than 200. */
export class HttpStatusError extends Error {
  constructor(status) {
    super(`HTTP ${status}`)
    this.name = 'HttpStatusError'
    this.status = status
  }
}

function viaHost(host) {
  return async (token) => {
    const status = await host.status(token)
    if (status !== 200) throw new HttpStatusError(status)
  }
}

/** The test issuer's public JWK for `alg`. */
export function publicJwk(issuer, alg) {
  const { kid } = issuer.keys.find((key) => key.alg === alg)
  return issuer.publicJwks().keys.find((key) => key.kid === kid)
}

/** Our injectable clock, for the outage test: `options.clock.offsetMs` can move it later. */
function clock(options) {
  const { clock } = options
  return clock === undefined ? {} : { now: () => Date.now() + clock.offsetMs }
}

const noop = () => {}

/** tokenCacheSize of the `core-full` column: small enough that a walk fills it at once. */
export const FULL_CACHE_SIZE = 64

/**
 * @typedef {{ id: string, label: string, group: 'floor' | 'us' | 'peer' | 'framework',
 *   outage?: { via: 'clock' | 'ttl' | 'none', option?: string, note?: string },
 *   cooldown?: string, throughputOnly?: boolean, setup(ctx: object): Promise<object> }} Column
 */

/** @type {Column[]} */
export const COLUMNS = [
  {
    id: 'floor',
    label: 'WebCrypto floor',
    group: 'floor',
    async setup(ctx) {
      const keys = {}
      for (const alg of ctx.algorithms) {
        keys[alg] = await crypto.subtle.importKey(
          'jwk',
          publicJwk(ctx.issuer, alg),
          FLOOR_PARAMS[alg].import,
          false,
          ['verify'],
        )
      }
      const material = ctx.material ?? new Map()
      return {
        create(alg) {
          const key = keys[alg]
          const params = FLOOR_PARAMS[alg].verify
          return {
            async verify(token) {
              const input = material.get(token) ?? floorMaterial([token]).get(token)
              if (!(await crypto.subtle.verify(params, key, input.signature, input.data))) {
                throw new Error('signature mismatch')
              }
            },
          }
        },
      }
    },
  },
  {
    id: 'core',
    label: 'jwks-gateway verify()',
    group: 'us',
    outage: { via: 'clock' },
    async setup(ctx) {
      const { createVerifier } = await ctx.snap.dist('index.js')
      return {
        create(_alg, options = {}) {
          const verifier = createVerifier({ issuer: ctx.url, audience: ctx.audience, ...clock(options) })
          return { verify: (token) => verifier.verify(token).then(noop) }
        },
      }
    },
  },
  {
    id: 'core-nocache',
    label: 'jwks-gateway verify(), tokenCacheSize 0',
    group: 'us',
    throughputOnly: true,
    async setup(ctx) {
      const { createVerifier } = await ctx.snap.dist('index.js')
      return {
        create(_alg, options = {}) {
          const verifier = createVerifier({
            issuer: ctx.url,
            audience: ctx.audience,
            tokenCacheSize: 0,
            ...clock(options),
          })
          return { verify: (token) => verifier.verify(token).then(noop) }
        },
      }
    },
  },
  {
    id: 'core-full',
    label: 'jwks-gateway verify(), token cache full (tokenCacheSize 64)',
    group: 'us',
    throughputOnly: true,
    async setup(ctx) {
      const { createVerifier } = await ctx.snap.dist('index.js')
      return {
        // A small cache, filled by the walk's first tokens: the steady state of a busy server,
        // where every first-seen token meets a full cache.
        create(_alg, options = {}) {
          const verifier = createVerifier({
            issuer: ctx.url,
            audience: ctx.audience,
            tokenCacheSize: FULL_CACHE_SIZE,
            ...clock(options),
          })
          return { verify: (token) => verifier.verify(token).then(noop) }
        },
      }
    },
  },
  {
    id: 'hono',
    label: 'jwks-gateway jwksAuth, Hono app.request()',
    group: 'us',
    outage: { via: 'clock' },
    async setup(ctx) {
      const mod = await ctx.snap.dist('hono/index.js')
      if (mod === undefined) return { error: 'dist/hono/index.js not built yet' }
      const host = honoHost((await ctx.snap.load('hono')).Hono)
      return {
        create(_alg, options = {}) {
          host.use(mod.jwksAuth({ issuer: ctx.url, audience: ctx.audience, ...clock(options) }))
          return { verify: viaHost(host) }
        },
        close: host.close,
      }
    },
  },
  {
    id: 'express',
    label: 'jwks-gateway jwksAuth, Express over a socket',
    group: 'us',
    outage: { via: 'clock' },
    async setup(ctx) {
      const mod = await ctx.snap.dist('express/index.js')
      if (mod === undefined) return { error: 'dist/express/index.js not built yet' }
      const host = await expressHost((await ctx.snap.load('express')).default)
      return {
        create(_alg, options = {}) {
          host.use(mod.jwksAuth({ issuer: ctx.url, audience: ctx.audience, ...clock(options) }))
          return { verify: viaHost(host) }
        },
        close: host.close,
      }
    },
  },
  {
    id: 'jose-remote',
    label: 'jose createRemoteJWKSet + jwtVerify',
    group: 'peer',
    outage: { via: 'ttl', option: 'cacheMaxAge' },
    cooldown: 'cooldownDuration',
    async setup(ctx) {
      const jose = await ctx.snap.load('jose')
      return {
        create(_alg, options = {}) {
          const jwks = jose.createRemoteJWKSet(new URL(ctx.jwksUri), {
            ...(options.ttlMs === undefined ? {} : { cacheMaxAge: options.ttlMs }),
            ...(options.cooldownMs === undefined ? {} : { cooldownDuration: options.cooldownMs }),
          })
          const claims = { issuer: ctx.url, audience: ctx.audience }
          return { verify: (token) => jose.jwtVerify(token, jwks, claims).then(noop) }
        },
      }
    },
  },
  {
    id: 'hono-jose',
    label: 'Hono, hand-written middleware + jose remote set',
    group: 'peer',
    throughputOnly: true,
    async setup(ctx) {
      const jose = await ctx.snap.load('jose')
      const host = honoHost((await ctx.snap.load('hono')).Hono)
      return {
        create() {
          const jwks = jose.createRemoteJWKSet(new URL(ctx.jwksUri))
          const claims = { issuer: ctx.url, audience: ctx.audience }
          // What an app writes by hand: Bearer header in, payload on the context, 401 otherwise.
          host.use(async (c, next) => {
            const header = c.req.header('authorization')
            if (header === undefined || !header.startsWith('Bearer ')) return c.text('Unauthorized', 401)
            try {
              c.set('jwtPayload', (await jose.jwtVerify(header.slice(7), jwks, claims)).payload)
            } catch {
              return c.text('Unauthorized', 401)
            }
            await next()
          })
          return { verify: viaHost(host) }
        },
        close: host.close,
      }
    },
  },
  {
    id: 'jose-key',
    label: 'jose jwtVerify, imported key',
    group: 'peer',
    throughputOnly: true,
    async setup(ctx) {
      const jose = await ctx.snap.load('jose')
      return {
        async create(alg) {
          const key = await jose.importJWK(publicJwk(ctx.issuer, alg), alg)
          const claims = { issuer: ctx.url, audience: ctx.audience }
          return { verify: (token) => jose.jwtVerify(token, key, claims).then(noop) }
        },
      }
    },
  },
  {
    id: 'hono-jwk',
    label: 'hono/jwk',
    group: 'peer',
    outage: { via: 'none', note: 'no key cache: fetches the JWKS for every request' },
    async setup(ctx) {
      const { jwk } = await ctx.snap.load('hono/jwk')
      const host = honoHost((await ctx.snap.load('hono')).Hono)
      return {
        create(alg) {
          host.use(
            jwk({ jwks_uri: ctx.jwksUri, alg: [alg], verification: { iss: ctx.url, aud: ctx.audience } }),
          )
          return { verify: viaHost(host) }
        },
        close: host.close,
      }
    },
  },
  {
    id: 'jwks-rsa',
    label: 'jwks-rsa + jsonwebtoken',
    group: 'peer',
    outage: { via: 'ttl', option: 'cacheMaxAge' },
    async setup(ctx) {
      const jwksRsa = await loadPeer('jwks-rsa')
      const jsonwebtoken = await loadPeer('jsonwebtoken')
      const missing = jwksRsa.error ?? jsonwebtoken.error
      if (missing !== undefined) return { error: missing }
      const client = jwksRsa.module.default
      const jwt = jsonwebtoken.module.default
      return {
        create(alg, options = {}) {
          const jwks = client({
            jwksUri: ctx.jwksUri,
            ...(options.ttlMs === undefined ? {} : { cacheMaxAge: options.ttlMs }),
          })
          const getKey = (header, callback) => {
            jwks.getSigningKey(header.kid, (error, key) => callback(error, key?.getPublicKey()))
          }
          const claims = { algorithms: [alg], issuer: ctx.url, audience: ctx.audience }
          return {
            verify: (token) =>
              new Promise((resolve, reject) => {
                jwt.verify(token, getKey, claims, (error) => (error ? reject(error) : resolve()))
              }),
          }
        },
      }
    },
  },
  {
    id: 'fast-jwt',
    label: 'fast-jwt + get-jwks',
    group: 'peer',
    outage: { via: 'ttl', option: 'ttl' },
    async setup(ctx) {
      const fastJwt = await loadPeer('fast-jwt')
      const getJwks = await loadPeer('get-jwks')
      const missing = fastJwt.error ?? getJwks.error
      if (missing !== undefined) return { error: missing }
      const { createVerifier } = fastJwt.module
      const buildGetJwks = getJwks.module.default
      return {
        create(alg, options = {}) {
          const jwks = buildGetJwks({
            issuersWhitelist: [ctx.url],
            ...(options.ttlMs === undefined ? {} : { ttl: options.ttlMs }),
          })
          // The integration get-jwks documents for fast-jwt.
          const verify = createVerifier({
            key: async ({ header, payload }) =>
              jwks.getPublicKey({ kid: header.kid, alg: header.alg, domain: payload.iss }),
            algorithms: [alg],
            allowedIss: ctx.url,
            allowedAud: ctx.audience,
          })
          return { verify: (token) => verify(token).then(noop) }
        },
      }
    },
  },
  {
    id: 'aws-jwt-verify',
    label: 'aws-jwt-verify',
    group: 'peer',
    outage: { via: 'none', note: 'its JWKS cache never expires (refetched only on an unknown kid)' },
    async setup(ctx) {
      const aws = await loadPeer('aws-jwt-verify')
      const jwk = await loadPeer('aws-jwt-verify/jwk')
      const https = await loadPeer('aws-jwt-verify/https')
      const missing = aws.error ?? jwk.error ?? https.error
      if (missing !== undefined) return { error: missing }
      if (ctx.tls === undefined) return { error: 'no HTTPS front (openssl missing?)' }
      const { JwtVerifier } = aws.module
      const { SimpleJwksCache } = jwk.module
      const { SimpleFetcher } = https.module
      return {
        create() {
          const fetcher = new SimpleFetcher({ defaultRequestOptions: { ca: ctx.tls.ca } })
          const verifier = JwtVerifier.create(
            { issuer: ctx.url, audience: ctx.audience, jwksUri: `${ctx.tls.url}/.well-known/jwks.json` },
            { jwksCache: new SimpleJwksCache({ fetcher }) },
          )
          return { verify: (token) => verifier.verify(token).then(noop) }
        },
      }
    },
  },
  {
    id: 'express-oauth2',
    label: 'express-oauth2-jwt-bearer, Express over a socket',
    group: 'peer',
    outage: { via: 'ttl', option: 'cacheMaxAge' },
    cooldown: 'cooldownDuration',
    async setup(ctx) {
      const peer = await loadPeer('express-oauth2-jwt-bearer')
      if (peer.error !== undefined) return { error: peer.error }
      const host = await expressHost((await ctx.snap.load('express')).default)
      return {
        create(alg, options = {}) {
          host.use(
            peer.module.auth({
              issuerBaseURL: ctx.url,
              audience: ctx.audience,
              tokenSigningAlg: alg,
              ...(options.ttlMs === undefined ? {} : { cacheMaxAge: options.ttlMs }),
              ...(options.cooldownMs === undefined ? {} : { cooldownDuration: options.cooldownMs }),
            }),
          )
          return { verify: viaHost(host) }
        },
        close: host.close,
      }
    },
  },
  {
    id: 'hono-plain',
    label: 'Hono, no auth',
    group: 'framework',
    throughputOnly: true,
    async setup(ctx) {
      const host = honoHost((await ctx.snap.load('hono')).Hono)
      return {
        create() {
          host.use((_c, next) => next())
          return { verify: viaHost(host) }
        },
        close: host.close,
      }
    },
  },
  {
    id: 'express-plain',
    label: 'Express over a socket, no auth',
    group: 'framework',
    throughputOnly: true,
    async setup(ctx) {
      const host = await expressHost((await ctx.snap.load('express')).default)
      return {
        create() {
          host.use((_req, _res, next) => next())
          return { verify: viaHost(host) }
        },
        close: host.close,
      }
    },
  },
]

/** What a rejection says, without any token material: a code, a status or an error name. */
export function describeError(error) {
  if (error instanceof HttpStatusError) return `HTTP ${error.status}`
  if (typeof error?.code === 'string' && error.code.length < 60) return error.code
  const name = error?.name ?? 'Error'
  const message = String(error?.message ?? error)
    .replace(/eyJ[A-Za-z0-9_.-]+/g, '<token>')
    .slice(0, 80)
  return `${name}: ${message}`
}
