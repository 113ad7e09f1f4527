import { decodeJwt, type JWTPayload } from 'jose'
import { type AuthScheme, JwtAuthError, type JwtAuthErrorOptions } from '../errors.js'
import { toJwtAuthError } from '../http/answer.js'
import { thumbprintFromFingerprint } from '../sender/certificate.js'
import { checkSenderConstraint, type PresentedToken, type SenderFacts } from '../sender/check.js'
import { readDpopCredential } from '../sender/dpop-credential.js'
import type { ResolvedSenderPolicy } from '../sender/options.js'
import type { Verifier } from '../verifier/create-verifier.js'
import type { VerifiedToken, VerifyCallOptions } from '../verifier/options.js'
import { extractToken, type TokenCarriers, type TokenSources } from './extract-token.js'

/** What a runtime adapter reads off a request for the sender-constraint check. */
export interface SenderSource {
  method: string
  /** The full URL the server received (its own scheme and host, not a forwarded one). */
  url: string
  /** Every value of a header field as received; `name` is lower case. */
  headerValues(name: string): readonly string[]
  /** RFC 8705 `x5t#S256` of the connection's TLS client certificate, when it presented one. */
  clientCertificate: string | undefined
}

/**
 * `headerValues` of a Fetch-API request: one value per name, as the runtime joined repeats
 * with `, ` (which the DPoP check reads as two proofs).
 */
export function fetchHeaderValues(headers: Headers): (name: string) => readonly string[] {
  return (name) => {
    const value = headers.get(name)
    return value === null ? [] : [value]
  }
}

/**
 * The facts the sender-constraint check needs. Forwarded headers and the certificate header
 * are read only when the operator named them as set by a trusted proxy.
 */
export function senderFacts(request: SenderSource, policy: ResolvedSenderPolicy): SenderFacts {
  const forwarded = policy.dpop?.trustForwardedHeaders === true
  const joined = (name: string) => request.headerValues(name).join(',') || undefined
  return {
    method: request.method,
    url: request.url,
    dpop: request.headerValues('dpop'),
    forwarded: {
      proto: forwarded ? joined('x-forwarded-proto') : undefined,
      host: forwarded ? joined('x-forwarded-host') : undefined,
    },
    certificateThumbprint:
      policy.thumbprintHeader === undefined
        ? request.clientCertificate
        : thumbprintFromFingerprint(joined(policy.thumbprintHeader)),
  }
}

/**
 * The one token of a request and its scheme: `Authorization: DPoP` when DPoP is on, else the
 * bearer token of {@link extractToken}. A DPoP credential next to any other token (a bearer
 * header, query or cookie) is a malformed request. Undefined when there is none.
 *
 * @example
 * findPresentedToken({ authorization: ['DPoP eyJ...'], cookie: [], query: '' }, sources, true)
 * // { token: 'eyJ...', scheme: 'DPoP' }
 */
export function findPresentedToken(
  carriers: TokenCarriers,
  sources: TokenSources,
  dpopOn: boolean,
): PresentedToken | undefined {
  const dpopToken = dpopOn ? readDpopCredential(carriers.authorization) : undefined
  const bearerToken = extractToken(carriers, sources)
  if (dpopToken !== undefined && bearerToken !== undefined) {
    throw new JwtAuthError('ERR_REQUEST_INVALID', { scheme: 'DPoP' })
  }
  if (dpopToken !== undefined) return { token: dpopToken, scheme: 'DPoP' }
  return bearerToken === undefined ? undefined : { token: bearerToken, scheme: 'Bearer' }
}

/**
 * Verifies the token, then what it is bound to (RFC 9449, RFC 8705) — the latter on every
 * request, outside the verifier's verified-token cache. Errors are challenged under the
 * scheme the request used.
 */
export async function verifyPresentedToken<P extends JWTPayload>(
  verifier: Verifier,
  presented: PresentedToken,
  facts: SenderFacts,
  policy: ResolvedSenderPolicy,
  call: VerifyCallOptions,
): Promise<VerifiedToken<P>> {
  try {
    const verified = await verifier.verify<P>(presented.token, call)
    await checkSenderConstraint(presented, verified.payload, facts, policy)
    return verified
  } catch (error) {
    const authError = toJwtAuthError(error)
    // verify() checks required scopes last, after the signature and every claim: a token that
    // fails only on scope is authentic, so its binding is judged first. Without its proof or
    // certificate a bound token is a 401, never the 403 that only its holder should see.
    if (authError.code === 'ERR_INSUFFICIENT_SCOPE') {
      await checkSenderConstraint(presented, decodeJwt(presented.token), facts, policy).catch(
        (binding: unknown) => {
          throw inScheme(toJwtAuthError(binding), presented.scheme)
        },
      )
    }
    throw inScheme(authError, presented.scheme)
  }
}

/** The same error, challenged under the scheme the request used (RFC 9449 §7.1). */
export function inScheme(error: JwtAuthError, scheme: AuthScheme): JwtAuthError {
  if (error.scheme === scheme || scheme === 'Bearer') return error
  const options: JwtAuthErrorOptions = { scheme }
  if (error.retryAfterSeconds !== undefined) options.retryAfterSeconds = error.retryAfterSeconds
  if (error.requiredScopes !== undefined) options.requiredScopes = error.requiredScopes
  if (error.dpopNonce !== undefined) options.dpopNonce = error.dpopNonce
  if (error.acrValues !== undefined) options.acrValues = error.acrValues
  if (error.maxAgeSeconds !== undefined) options.maxAgeSeconds = error.maxAgeSeconds
  return new JwtAuthError(error.code, options)
}
