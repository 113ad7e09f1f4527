import type { JWK } from 'jose'
import { ADMIN_ROUTES, handleAdmin } from './admin.js'
import { discoveryDocument, type IssuerPaths, wellKnownPaths } from './discovery.js'
import { parseFailureMode, parseFailureTarget } from './failure-mode.js'
import { failureResponse } from './failure-response.js'
import { CONNECTION_REFUSED, createFakeFetch, type Dispatch } from './fake-fetch.js'
import { documentResponse, methodNotAllowed, notFound } from './http.js'
import { assertTestAlgorithm, generateSigningKey, type SigningKey } from './keys.js'
import { signToken } from './sign.js'
import type {
  DiscoveryFlavour,
  FailureMode,
  FailureTarget,
  RotateOptions,
  SignOptions,
  TestAlgorithm,
  TestClaims,
  TestIssuer,
  TestIssuerOptions,
} from './types.js'

/** The issuer plus the raw dispatcher, which the Node server needs to play a refused connection. */
export interface IssuerCore {
  issuer: TestIssuer
  dispatch: Dispatch
}

type Endpoint = 'jwks' | 'discovery'

const JWKS_CONTENT_TYPE = 'application/jwk-set+json'
const DISCOVERY_CONTENT_TYPE = 'application/json'
const DISCOVERY_FLAVOURS: readonly DiscoveryFlavour[] = ['oidc', 'oauth', 'both', 'none']

/** Validated options with defaults applied. */
interface Settings {
  issuer: string
  audience: string
  algorithms: readonly TestAlgorithm[]
  cacheControl: string | undefined
  discovery: DiscoveryFlavour
  admin: boolean
  now: () => number
}

/** Options may come from untyped JavaScript tests: mistakes fail loudly here, not as odd answers later. */
function settingsFrom(options: TestIssuerOptions): Settings {
  const issuer = options.issuer ?? 'https://issuer.test'
  const protocol = URL.canParse(issuer) ? new URL(issuer).protocol : ''
  if (protocol !== 'https:' && protocol !== 'http:')
    throw new TypeError(`issuer must be an http(s) URL: ${issuer}`)
  const algorithms = options.algorithms ?? ['RS256']
  if (algorithms.length === 0) throw new TypeError('algorithms must name at least one algorithm')
  for (const alg of algorithms) assertTestAlgorithm(alg)
  const maxAge = options.maxAgeSeconds === undefined ? 600 : options.maxAgeSeconds
  if (maxAge !== null && !(Number.isInteger(maxAge) && maxAge >= 0))
    throw new TypeError(`maxAgeSeconds must be a non-negative integer or null: ${maxAge}`)
  const discovery = options.discovery ?? 'oidc'
  if (!DISCOVERY_FLAVOURS.includes(discovery)) throw new TypeError(`unknown discovery flavour: ${discovery}`)
  return {
    issuer,
    audience: options.audience ?? 'https://api.test',
    algorithms,
    cacheControl: maxAge === null ? undefined : `public, max-age=${maxAge}`,
    discovery,
    admin: options.admin ?? false,
    now: options.now ?? Date.now,
  }
}

/** Builds the issuer; {@link createTestIssuer} is the public face of this. */
export async function buildTestIssuer(options: TestIssuerOptions = {}): Promise<IssuerCore> {
  const settings = settingsFrom(options)
  const base = settings.issuer.replace(/\/+$/, '')
  const basePath = new URL(base).pathname.replace(/\/+$/, '')
  const paths: IssuerPaths = {
    base,
    jwksUri: `${base}/.well-known/jwks.json`,
    tokenEndpoint: settings.admin ? `${base}/token` : undefined,
  }
  const jwksPath = `${basePath}/.well-known/jwks.json`
  const wellKnown = wellKnownPaths(base)
  const adminPaths = new Map<string, string>(ADMIN_ROUTES.map((name) => [`${basePath}/${name}`, name]))

  let keys: SigningKey[] = await Promise.all(settings.algorithms.map(generateSigningKey))
  let jwksOverride: string | undefined
  const failures: Record<Endpoint, FailureMode | null> = { jwks: null, discovery: null }
  const counts = { discovery: 0, jwks: 0, unexpected: 0, admin: 0 }

  const publicJwks = (): { keys: JWK[] } => ({ keys: keys.map((k) => structuredClone(k.publicJwk)) })
  const sign = (claims?: TestClaims, signOptions?: SignOptions): Promise<string> =>
    signToken(keys, settings, claims, signOptions)

  async function rotate(rotateOptions: RotateOptions = {}): Promise<string> {
    const alg = rotateOptions.alg ?? settings.algorithms[0]
    assertTestAlgorithm(alg)
    const key = await generateSigningKey(alg)
    // Read `keys` after the await, so concurrent rotations do not drop each other's key.
    keys = rotateOptions.keepPrevious === false ? [key] : [key, ...keys]
    return key.kid
  }

  function fail(mode: FailureMode | null, target?: FailureTarget): void {
    const parsedMode = parseFailureMode(mode)
    const parsedTarget = parseFailureTarget(target)
    // `fail(null)` heals everything: the most likely intent of a bare reset.
    const effective = parsedTarget ?? (parsedMode === null ? 'all' : 'jwks')
    if (effective !== 'discovery') failures.jwks = parsedMode
    if (effective !== 'jwks') failures.discovery = parsedMode
  }

  function discoveryEnabled(path: string): boolean {
    const { discovery } = settings
    if (path === wellKnown.oidc) return discovery === 'oidc' || discovery === 'both'
    return discovery === 'oauth' || discovery === 'both'
  }

  /** The endpoint's answer when healthy. */
  function healthy(endpoint: Endpoint, request: Request, path: string): Promise<Response> {
    if (request.method !== 'GET' && request.method !== 'HEAD')
      return Promise.resolve(methodNotAllowed('GET, HEAD'))
    if (endpoint === 'jwks') {
      const body = jwksOverride ?? JSON.stringify(publicJwks())
      return documentResponse(request, body, JWKS_CONTENT_TYPE, settings.cacheControl)
    }
    if (!discoveryEnabled(path)) return Promise.resolve(notFound())
    const algorithms = [...new Set(keys.map((k) => k.alg))]
    const document = discoveryDocument(
      settings.issuer,
      paths,
      algorithms.length > 0 ? algorithms : settings.algorithms,
    )
    return documentResponse(request, JSON.stringify(document), DISCOVERY_CONTENT_TYPE, undefined)
  }

  async function serveEndpoint(
    endpoint: Endpoint,
    request: Request,
    path: string,
    signal: AbortSignal | undefined,
  ): Promise<Response | typeof CONNECTION_REFUSED> {
    counts[endpoint]++
    const mode = failures[endpoint]
    if (mode === null) return healthy(endpoint, request, path)
    if (mode.kind === 'down') return CONNECTION_REFUSED
    return failureResponse(mode, request.method, {
      signal,
      contentType: endpoint === 'jwks' ? JWKS_CONTENT_TYPE : DISCOVERY_CONTENT_TYPE,
      healthy: () => healthy(endpoint, request, path),
    })
  }

  // Routing is by path only, so handle() also works behind a proxy or mounted under another host;
  // the origin check belongs to the fake fetch.
  const dispatch: Dispatch = async (request, signal) => {
    const path = new URL(request.url).pathname
    if (path === jwksPath) return serveEndpoint('jwks', request, path, signal)
    if (path === wellKnown.oidc || path === wellKnown.oauth)
      return serveEndpoint('discovery', request, path, signal)
    const adminRoute = settings.admin ? adminPaths.get(path) : undefined
    if (adminRoute !== undefined) {
      counts.admin++
      return handleAdmin(adminRoute, request, {
        sign: (claims, signOptions) => sign(claims, signOptions),
        rotate,
        fail: (mode, target) => fail(mode, target),
      })
    }
    counts.unexpected++
    return notFound()
  }

  const issuer: TestIssuer = {
    issuer: settings.issuer,
    audience: settings.audience,
    jwksUri: paths.jwksUri,
    fetch: createFakeFetch(new URL(base).origin, dispatch, () => {
      counts.unexpected++
    }),
    async handle(request) {
      const response = await dispatch(request, request.signal)
      // Without a socket to drop, a refused connection is the closest a handler can get to 503.
      return response === CONNECTION_REFUSED
        ? new Response('test issuer is down', { status: 503, headers: { 'content-type': 'text/plain' } })
        : response
    },
    sign,
    rotate,
    removeKey(kid) {
      if (!keys.some((k) => k.kid === kid)) throw new RangeError(`the test issuer has no key ${kid}`)
      keys = keys.filter((k) => k.kid !== kid)
    },
    get keys() {
      return keys.map(({ kid, alg }) => Object.freeze({ kid, alg }))
    },
    publicJwks,
    privateJwks: () => ({ keys: keys.map((k) => structuredClone(k.privateJwk)) }),
    serveJwks(body) {
      if (body === null) {
        jwksOverride = undefined
        return
      }
      const text = typeof body === 'string' ? body : JSON.stringify(body)
      if (text === undefined)
        throw new TypeError('serveJwks needs a JSON-serialisable value, a string or null')
      jwksOverride = text
    },
    fail,
    counts,
    resetCounts() {
      counts.discovery = 0
      counts.jwks = 0
      counts.unexpected = 0
      counts.admin = 0
    },
  }
  return { issuer, dispatch }
}

/**
 * Creates an in-process OIDC issuer for tests: generates one key per algorithm and serves
 * discovery and JWKS through {@link TestIssuer.handle} and the injectable {@link TestIssuer.fetch}.
 * Uses Web APIs only, so it runs in workerd as well as in Node.
 */
export async function createTestIssuer(options?: TestIssuerOptions): Promise<TestIssuer> {
  return (await buildTestIssuer(options)).issuer
}
