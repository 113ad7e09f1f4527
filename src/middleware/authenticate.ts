import type { JWTPayload } from 'jose'
import { type AuthScheme, JwtAuthError, type JwtAuthErrorOptions } from '../errors.js'
import { type HttpAnswerOptions, toJwtAuthError } from '../http/answer.js'
import { thumbprintFromFingerprint } from '../sender/certificate.js'
import { checkSenderConstraint, type SenderFacts } from '../sender/check.js'
import { readDpopCredential } from '../sender/dpop-credential.js'
import { createVerifier } from '../verifier/create-verifier.js'
import type { VerifyCallOptions } from '../verifier/options.js'
import { extractToken, type TokenCarriers } from './extract-token.js'
import {
  type AuthContext,
  type AuthErrorObserver,
  type MiddlewareOptions,
  resolveMiddlewareOptions,
} from './options.js'

/** Keeps work alive after the answer: Workers `ctx.waitUntil`. */
export type WaitUntil = (promise: Promise<unknown>) => void

/** What a framework adapter reads off a request before deciding. */
export interface RequestFacts {
  method: string
  /** Whether an `Access-Control-Request-Method` header is present. */
  corsRequestMethod: boolean
  carriers: TokenCarriers
  waitUntil: WaitUntil | undefined
  /** The full URL the server received (its own scheme and host, not a forwarded one). */
  url: string
  /** Every value of a header field as received; `name` is lower case. */
  headerValues(name: string): readonly string[]
  /** RFC 8705 `x5t#S256` of the connection's TLS client certificate, when it presented one. */
  clientCertificate: string | undefined
}

/** The decision for one request; the adapter turns it into `next()` or an answer. */
export type Outcome<P extends JWTPayload = JWTPayload> =
  /** Let it through without identity: a CORS preflight, or no token in optional mode. */
  | { kind: 'pass' }
  | { kind: 'authenticated'; auth: AuthContext<P> }
  | { kind: 'rejected'; error: JwtAuthError }

/** One middleware's verifier and settings, built once by the factory. */
export interface Authenticator<C> {
  readonly realm: string
  /** What the challenges say about DPoP (RFC 9449 §7.1), when it is on. */
  readonly dpop: HttpAnswerOptions['dpop']
  readonly onError: AuthErrorObserver<C> | undefined
  /** Never rejects: every failure becomes a `rejected` outcome. */
  authenticate<P extends JWTPayload>(request: RequestFacts): Promise<Outcome<P>>
}

const PASS = { kind: 'pass' } as const

/**
 * A CORS preflight carries no credentials by design (Fetch standard), so answering it 401
 * would break every cross-origin call; it is let through to whatever answers preflights.
 */
export function isCorsPreflight(method: string, corsRequestMethod: boolean): boolean {
  return method.toUpperCase() === 'OPTIONS' && corsRequestMethod
}

/**
 * Builds the verifier (and so its key cache) once for a middleware. Options are checked here,
 * so a bad configuration throws when the app is assembled, not on the first request.
 *
 * @example
 * const authenticator = createAuthenticator({ issuer: 'https://idp.example.com', audience: 'api' })
 * const outcome = await authenticator.authenticate(facts)
 */
export function createAuthenticator<C>(options: MiddlewareOptions<C>): Authenticator<C> {
  const resolved = resolveMiddlewareOptions(options)
  const verifier = createVerifier(resolved.verifier)
  const sender = resolved.sender
  const certificateHeader = sender.thumbprintHeader

  /** What the sender-constraint check needs; the certificate header only if the operator named it. */
  function senderFacts(request: RequestFacts): SenderFacts {
    const forwarded = sender.dpop?.trustForwardedHeaders === true
    return {
      method: request.method,
      url: request.url,
      dpop: request.headerValues('dpop'),
      forwarded: {
        proto: forwarded ? request.headerValues('x-forwarded-proto').join(',') || undefined : undefined,
        host: forwarded ? request.headerValues('x-forwarded-host').join(',') || undefined : undefined,
      },
      certificateThumbprint:
        certificateHeader === undefined
          ? request.clientCertificate
          : thumbprintFromFingerprint(request.headerValues(certificateHeader).join(',')),
    }
  }

  async function authenticate<P extends JWTPayload>(request: RequestFacts): Promise<Outcome<P>> {
    try {
      if (isCorsPreflight(request.method, request.corsRequestMethod)) return PASS
      const dpopToken =
        sender.dpop === undefined ? undefined : readDpopCredential(request.carriers.authorization)
      const bearerToken = extractToken(request.carriers, resolved.sources)
      if (dpopToken !== undefined && bearerToken !== undefined) {
        throw new JwtAuthError('ERR_REQUEST_INVALID', { scheme: 'DPoP' })
      }
      const scheme: AuthScheme = dpopToken === undefined ? 'Bearer' : 'DPoP'
      const token = dpopToken ?? bearerToken
      if (token === undefined) {
        return resolved.optional ? PASS : { kind: 'rejected', error: new JwtAuthError('ERR_TOKEN_MISSING') }
      }
      const call: VerifyCallOptions = request.waitUntil === undefined ? {} : { waitUntil: request.waitUntil }
      try {
        const verified = await verifier.verify<P>(token, call)
        await checkSenderConstraint({ token, scheme }, verified.payload, senderFacts(request), sender)
        return { kind: 'authenticated', auth: { ...verified, token } }
      } catch (error) {
        throw inScheme(toJwtAuthError(error), scheme)
      }
    } catch (error) {
      // Anything, even a bug of ours, is a 401 (or the 400/403/503 its code says), never a 500.
      return { kind: 'rejected', error: toJwtAuthError(error) }
    }
  }

  const dpop =
    sender.dpop === undefined ? undefined : { algorithms: sender.dpop.algorithmList, only: sender.dpop.only }
  return { realm: resolved.realm, dpop, onError: resolved.onError, authenticate }
}

/** The same error, challenged under the scheme the request used (RFC 9449 §7.1). */
export function inScheme(error: JwtAuthError, scheme: AuthScheme): JwtAuthError {
  if (error.scheme === scheme || scheme === 'Bearer') return error
  const options: JwtAuthErrorOptions = { scheme }
  if (error.retryAfterSeconds !== undefined) options.retryAfterSeconds = error.retryAfterSeconds
  if (error.requiredScopes !== undefined) options.requiredScopes = error.requiredScopes
  if (error.dpopNonce !== undefined) options.dpopNonce = error.dpopNonce
  return new JwtAuthError(error.code, options)
}

/**
 * Tells the observer about a rejection without letting it change or delay the answer.
 *
 * @example
 * notifyObserver(options.onError, error, c, waitUntil)
 */
export function notifyObserver<C>(
  observer: AuthErrorObserver<C> | undefined,
  error: JwtAuthError,
  context: C,
  waitUntil: WaitUntil | undefined,
): void {
  if (observer === undefined) return
  try {
    const result: unknown = observer(error, context)
    if (result === undefined) return
    // Always handled, waitUntil or not: a rejecting observer must not be an unhandled rejection.
    const settled = Promise.resolve(result).catch(() => undefined)
    waitUntil?.(settled)
  } catch {
    // An observer's bug must not turn a clean 401 into a 500.
  }
}
