import { defaultAlbKeysUrl, parseAlbArn } from '../checks/aws-alb.js'
import { parseFailureMode } from './failure-mode.js'
import { failureResponse } from './failure-response.js'
import { CONNECTION_REFUSED, createFakeFetch, type Dispatch } from './fake-fetch.js'
import { documentResponse, methodNotAllowed, notFound } from './http.js'
import { withoutUndefined } from './sign.js'
import type { FailureMode, TestClaims } from './types.js'

/** Options of {@link createAlbTestSigner}. */
export interface AlbTestSignerOptions {
  /** The load balancer's ARN, written to the header's `signer`. Default: an eu-west-1 one. */
  signer?: string
  /** The IdP issuer ALB copies into `iss` (header and payload). Default: a Cognito user pool. */
  issuer?: string
  /** The IdP client id, written to the header's `client`. */
  client?: string
  /** The key endpoint: `{keysUrl}/{kid}` serves one PEM. Default: the signer region's endpoint. */
  keysUrl?: string
  /** `Cache-Control: public, max-age=N` on key responses. Default 3600. */
  maxAgeSeconds?: number
  /** Epoch-ms clock for `exp`. Default `Date.now`. */
  now?: () => number
}

/** Options of {@link AlbTestSigner.sign}. */
export interface AlbSignOptions {
  /** The kid put in the header; default the newest key's. Another value provokes a kid miss. */
  kid?: string
  /** Extra or overriding header members (`signer`, `client`...); `undefined` removes one. */
  header?: Record<string, unknown>
  /** Lifetime of `exp`. Default 120, as ALB's tokens are short-lived. */
  expiresInSeconds?: number
  /** `false` writes RFC 7515 segments without ALB's `=` padding. Default true. */
  padded?: boolean
}

/** Requests received; the object is live. */
export interface AlbTestSignerCounts {
  /** Requests for a key, served or failed. */
  readonly keys: number
  /** Requests to any other path or origin. */
  readonly unexpected: number
}

/**
 * An AWS Application Load Balancer as a backend sees it: `x-amzn-oidc-data` tokens signed with
 * ES256, written with `=` padding, and a key endpoint that serves one PEM public key per kid
 * (and 403 for a kid it does not know, as the real one does). Web APIs only.
 */
export interface AlbTestSigner {
  readonly signer: string
  readonly issuer: string
  readonly client: string
  readonly keysUrl: string
  /** A `fetch` serving the key endpoint; any other URL rejects and counts as unexpected. */
  readonly fetch: typeof fetch
  handle(request: Request): Promise<Response>
  /** A token as ALB writes it: user claims in the payload, `exp` and `iss` in both parts. */
  sign(claims?: TestClaims, options?: AlbSignOptions): Promise<string>
  /** A new signing key (a UUID kid); the older ones stay served. Resolves to its kid. */
  rotate(): Promise<string>
  /** Stops serving a key. */
  removeKey(kid: string): void
  /** The kids served, newest first. */
  readonly kids: readonly string[]
  /** Makes the key endpoint misbehave (the test issuer's modes); `null` heals it. */
  fail(mode: FailureMode | null): void
  readonly counts: AlbTestSignerCounts
  resetCounts(): void
}

interface AlbKey {
  readonly kid: string
  readonly privateKey: CryptoKey
  readonly pem: string
}

const DEFAULT_SIGNER =
  'arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/app/orders/50dc6c495c0c9188'
const PEM_CONTENT_TYPE = 'text/plain'
const encoder = new TextEncoder()

/** Creates an {@link AlbTestSigner} with one key. */
export async function createAlbTestSigner(options: AlbTestSignerOptions = {}): Promise<AlbTestSigner> {
  const signer = options.signer ?? DEFAULT_SIGNER
  const arn = parseAlbArn(signer)
  if (arn === undefined) throw new TypeError(`signer must be an application load balancer ARN: ${signer}`)
  const { region } = arn
  const keysUrl = (options.keysUrl ?? defaultAlbKeysUrl(arn) ?? '').replace(/\/+$/, '')
  if (!URL.canParse(keysUrl)) throw new TypeError(`keysUrl is required for the ${arn.partition} partition`)
  const issuer = options.issuer ?? `https://cognito-idp.${region}.amazonaws.com/${region}_Example1`
  const client = options.client ?? '1example23456789'
  const cacheControl = `public, max-age=${options.maxAgeSeconds ?? 3600}`
  const now = options.now ?? Date.now
  const basePath = new URL(keysUrl).pathname.replace(/\/+$/, '')
  let keys: AlbKey[] = [await generateAlbKey()]
  let failure: FailureMode | null = null
  const counts = { keys: 0, unexpected: 0 }

  const dispatch: Dispatch = async (request, signal) => {
    const path = new URL(request.url).pathname
    const kid = path.startsWith(`${basePath}/`)
      ? decodeURIComponent(path.slice(basePath.length + 1))
      : undefined
    if (kid === undefined || kid.includes('/')) {
      counts.unexpected++
      return notFound()
    }
    counts.keys++
    const healthy = async () => {
      if (request.method !== 'GET' && request.method !== 'HEAD') return methodNotAllowed('GET, HEAD')
      const key = keys.find((candidate) => candidate.kid === kid)
      if (key === undefined) return new Response('<Error><Code>AccessDenied</Code></Error>', { status: 403 })
      return documentResponse(request, key.pem, PEM_CONTENT_TYPE, cacheControl)
    }
    if (failure === null) return healthy()
    if (failure.kind === 'down') return CONNECTION_REFUSED
    return failureResponse(failure, request.method, { signal, contentType: PEM_CONTENT_TYPE, healthy })
  }

  return {
    signer,
    issuer,
    client,
    keysUrl,
    fetch: createFakeFetch(new URL(keysUrl).origin, dispatch, () => {
      counts.unexpected++
    }),
    async handle(request) {
      const response = await dispatch(request, request.signal)
      return response === CONNECTION_REFUSED
        ? new Response('key endpoint is down', { status: 503 })
        : response
    },
    async sign(claims = {}, signOptions = {}) {
      const [newest] = keys
      if (newest === undefined) throw new Error('the ALB test signer has no keys left to sign with')
      const exp = Math.floor(now() / 1000) + (signOptions.expiresInSeconds ?? 120)
      const kid = signOptions.kid ?? newest.kid
      const key = keys.find((candidate) => candidate.kid === kid) ?? newest
      const header = withoutUndefined({
        typ: 'JWT',
        kid,
        alg: 'ES256',
        iss: issuer,
        client,
        signer,
        exp,
        ...signOptions.header,
      })
      const payload = withoutUndefined({
        sub: 'user-1',
        email: 'jane@example.com',
        exp,
        iss: issuer,
        ...claims,
      })
      const padded = signOptions.padded ?? true
      const input = `${encode(encoder.encode(JSON.stringify(header)), padded)}.${encode(encoder.encode(JSON.stringify(payload)), padded)}`
      const signature = await crypto.subtle.sign(
        { name: 'ECDSA', hash: 'SHA-256' },
        key.privateKey,
        encoder.encode(input),
      )
      return `${input}.${encode(new Uint8Array(signature), padded)}`
    },
    async rotate() {
      const key = await generateAlbKey()
      keys = [key, ...keys]
      return key.kid
    },
    removeKey(kid) {
      if (!keys.some((key) => key.kid === kid)) throw new RangeError(`the ALB test signer has no key ${kid}`)
      keys = keys.filter((key) => key.kid !== kid)
    },
    get kids() {
      return keys.map((key) => key.kid)
    },
    fail(mode) {
      failure = parseFailureMode(mode)
    },
    counts,
    resetCounts() {
      counts.keys = 0
      counts.unexpected = 0
    },
  }
}

async function generateAlbKey(): Promise<AlbKey> {
  const pair = (await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, [
    'sign',
    'verify',
  ])) as CryptoKeyPair
  const spki = new Uint8Array((await crypto.subtle.exportKey('spki', pair.publicKey)) as ArrayBuffer)
  const base64 = btoa(String.fromCharCode(...spki))
  const pem = `-----BEGIN PUBLIC KEY-----\n${base64.match(/.{1,64}/g)?.join('\n')}\n-----END PUBLIC KEY-----\n`
  return { kid: crypto.randomUUID(), privateKey: pair.privateKey, pem }
}

/** Base64url (RFC 4648 §5), with the `=` padding ALB writes unless `padded` is false. */
function encode(bytes: Uint8Array, padded: boolean): string {
  const base64url = btoa(String.fromCharCode(...bytes))
    .replaceAll('+', '-')
    .replaceAll('/', '_')
  return padded ? base64url : base64url.replace(/=+$/, '')
}
