import type { JWTPayload } from 'jose'
import { type AuthScheme, JwtAuthError } from '../errors.js'
import type { HttpAnswerOptions } from '../http/answer.js'
import { workersClientCertificate } from '../sender/certificate.js'
import { dpopChallenge, resolveSenderPolicy, type SenderConstraintOptions } from '../sender/options.js'
import { createVerifier } from '../verifier/create-verifier.js'
import { checkVerifierOptionNames, type OptionNames } from '../verifier/option-names.js'
import {
  VERIFIER_OPTION_NAMES,
  type VerifiedToken,
  type VerifierOptions,
  type VerifyCallOptions,
} from '../verifier/options.js'
import {
  fetchHeaderValues,
  findPresentedToken,
  senderFacts,
  verifyPresentedToken,
} from './presented-token.js'

/** A request as the server received it: a Fetch `Request`, or its parts. */
export interface ReceivedRequest {
  method: string
  /** The full URL the server received (its own scheme and host). */
  url: string
  headers: Headers
  /**
   * RFC 8705 `x5t#S256` of the TLS client certificate. Default: read from
   * `request.cf.tlsClientAuth` on Workers, else none.
   */
  clientCertificate?: string
}

/** What a verified request carried: the verified token, the token itself and its scheme. */
export type VerifiedRequest<P extends JWTPayload = JWTPayload> = VerifiedToken<P> & {
  token: string
  scheme: AuthScheme
}

export interface RequestVerifier {
  /**
   * Finds the request's token (`Authorization: Bearer`, or `DPoP` when on), verifies it, then
   * its DPoP proof and certificate binding. Throws `JwtAuthError`; `httpAnswer(error,
   * { dpop: verifier.dpop })` turns it into the RFC 6750 / RFC 9449 answer.
   */
  verify<P extends JWTPayload = JWTPayload>(
    request: ReceivedRequest,
    call?: VerifyCallOptions,
  ): Promise<VerifiedRequest<P>>
  /** What challenges say about DPoP, for `httpAnswer`; undefined when DPoP is off. */
  readonly dpop: HttpAnswerOptions['dpop']
}

/** Every option name of {@link createRequestVerifier}: the verifier's, `dpop` and `mtls`. */
const REQUEST_VERIFIER_OPTION_NAMES: OptionNames<VerifierOptions & SenderConstraintOptions> = {
  ...VERIFIER_OPTION_NAMES,
  dpop: true,
  mtls: true,
}

/** The core reads only the `Authorization` header: cookies and the query are the middleware's. */
const HEADER_ONLY = { cookie: undefined, query: false } as const

/**
 * The core's request-level entry: a verifier plus the sender-constraint checks of RFC 9449
 * (DPoP) and RFC 8705 (certificate-bound tokens), for servers that use no middleware.
 *
 * @example
 * const verifier = createRequestVerifier({ issuer, audience, dpop: { only: true } })
 * const { payload } = await verifier.verify(request)
 */
export function createRequestVerifier(options: VerifierOptions & SenderConstraintOptions): RequestVerifier {
  checkVerifierOptionNames('createRequestVerifier()', options, REQUEST_VERIFIER_OPTION_NAMES)
  const { dpop, mtls, ...verifierOptions } = options
  const sender = resolveSenderPolicy(
    { dpop, mtls },
    verifierOptions.now ?? Date.now,
    'createRequestVerifier()',
  )
  const verifier = createVerifier(verifierOptions)

  async function verify<P extends JWTPayload>(request: ReceivedRequest, call: VerifyCallOptions = {}) {
    const authorization = request.headers.get('authorization')
    const presented = findPresentedToken(
      { authorization: authorization === null ? [] : [authorization], cookie: [], query: '' },
      HEADER_ONLY,
      sender.dpop !== undefined,
    )
    if (presented === undefined) throw new JwtAuthError('ERR_TOKEN_MISSING')
    const facts = senderFacts(
      {
        method: request.method,
        url: request.url,
        headerValues: fetchHeaderValues(request.headers),
        clientCertificate: request.clientCertificate ?? workersClientCertificate(request as Request),
      },
      sender,
    )
    const verified = await verifyPresentedToken<P>(verifier, presented, facts, sender, call)
    return { ...verified, token: presented.token, scheme: presented.scheme }
  }

  return {
    verify,
    dpop: dpopChallenge(sender),
  }
}
