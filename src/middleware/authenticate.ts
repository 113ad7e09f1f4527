import type { JWTPayload } from 'jose'
import type { WaitUntil } from '../cache/key-source.js'
import { type AuthScheme, JwtAuthError } from '../errors.js'
import { type HttpAnswerOptions, toJwtAuthError } from '../http/answer.js'
import { dpopChallenge } from '../sender/options.js'
import { createVerifier } from '../verifier/create-verifier.js'
import type { VerifyCallOptions } from '../verifier/options.js'
import type { TokenCarriers } from './extract-token.js'
import {
  type AuthContext,
  type AuthErrorObserver,
  type MiddlewareOptions,
  resolveMiddlewareOptions,
} from './options.js'
import {
  findPresentedToken,
  type SenderSource,
  senderFacts,
  verifyPresentedToken,
} from './presented-token.js'
import { stepUpRejection } from './step-up.js'

/** What a framework adapter reads off a request before deciding. */
export interface RequestFacts extends SenderSource {
  method: string
  /** Whether an `Access-Control-Request-Method` header is present. */
  corsRequestMethod: boolean
  carriers: TokenCarriers
  waitUntil: WaitUntil | undefined
}

/** The decision for one request; the adapter turns it into `next()` or an answer. */
export type Outcome<P extends JWTPayload = JWTPayload> =
  /** Let it through without identity: a CORS preflight, or no token in optional mode. */
  | { kind: 'pass' }
  | { kind: 'authenticated'; auth: AuthContext<P>; scheme: AuthScheme }
  | { kind: 'rejected'; error: JwtAuthError }

/** One middleware's verifier and settings, built once by the factory. */
export interface Authenticator<C> {
  /** Realm, DPoP `algs`, `resource_metadata` and 401 `scope` of every rejection's challenge. */
  readonly answer: HttpAnswerOptions
  /** The verifier's clock (epoch ms), for step-up guards. */
  readonly now: () => number
  /** Lower-case name of the header the adapter must read into `carriers.header`, if any. */
  readonly tokenHeader: string | undefined
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
 */
export function createAuthenticator<C>(options: MiddlewareOptions<C>): Authenticator<C> {
  const resolved = resolveMiddlewareOptions(options)
  const verifier = createVerifier(resolved.verifier)
  const sender = resolved.sender
  const now = resolved.verifier.now ?? Date.now
  const stepUp = resolved.stepUp

  async function authenticate<P extends JWTPayload>(request: RequestFacts): Promise<Outcome<P>> {
    try {
      if (isCorsPreflight(request.method, request.corsRequestMethod)) return PASS
      const presented = findPresentedToken(request.carriers, resolved.sources, sender.dpop !== undefined)
      if (presented === undefined) {
        return resolved.optional ? PASS : { kind: 'rejected', error: new JwtAuthError('ERR_TOKEN_MISSING') }
      }
      const call: VerifyCallOptions = request.waitUntil === undefined ? {} : { waitUntil: request.waitUntil }
      const facts = senderFacts(request, sender)
      const verified = await verifyPresentedToken<P>(verifier, presented, facts, sender, call)
      if (stepUp !== undefined) {
        const refused = stepUpRejection(verified.payload, stepUp, now(), presented.scheme)
        if (refused !== undefined) return { kind: 'rejected', error: refused }
      }
      return {
        kind: 'authenticated',
        auth: { ...verified, token: presented.token },
        scheme: presented.scheme,
      }
    } catch (error) {
      // Anything, even a bug of ours, is a 401 (or the 400/403/503 its code says), never a 500.
      return { kind: 'rejected', error: toJwtAuthError(error) }
    }
  }

  const answer: HttpAnswerOptions = { ...resolved.answer, dpop: dpopChallenge(sender) }
  return { answer, now, tokenHeader: resolved.sources.header, onError: resolved.onError, authenticate }
}

/**
 * Tells the observer about a rejection without letting it change or delay the answer.
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
