import { assertCompactJws, readTokenHeader } from '../checks/token-shape.js'
import { JwtAuthError } from '../errors.js'
import {
  fetchHeaderValues,
  findPresentedToken,
  senderFacts,
  verifyPresentedToken,
} from '../middleware/presented-token.js'
import { workersClientCertificate } from '../sender/certificate.js'
import type { ResolvedSenderPolicy } from '../sender/options.js'
import type { Verifier } from '../verifier/create-verifier.js'
import type { VerifiedToken, VerifyCallOptions } from '../verifier/options.js'

/**
 * Finds and verifies the request's bearer token; throws `JwtAuthError` (missing → 401 without
 * error, empty or twice → 400, invalid → 401, scope → 403, keys down → 503).
 *
 * A denied kid (JWKS_DENY_KIDS) is refused before verification, so it costs no fetch. With a
 * deny list, a token must name its kid: without one the verifier may pick the issuer's only
 * key (docs/verifier.md#verification-policy), which could be the denied one, and we could not tell.
 */
export async function authenticate(
  request: Request,
  query: string,
  verifier: Verifier,
  denyKids: ReadonlySet<string>,
  call: VerifyCallOptions,
  sender: ResolvedSenderPolicy,
  tokenHeader: string | undefined,
): Promise<VerifiedToken> {
  const authorization = request.headers.get('authorization')
  const header = tokenHeader === undefined ? null : request.headers.get(tokenHeader)
  // No cookie and no `?access_token=` (RFC 6750 §2.3 is a last resort); TOKEN_HEADER when set.
  const presented = findPresentedToken(
    {
      authorization: authorization === null ? [] : [authorization],
      cookie: [],
      query,
      header: header === null ? [] : [header],
    },
    { cookie: undefined, query: false, header: tokenHeader },
    sender.dpop !== undefined,
  )
  if (presented === undefined) throw new JwtAuthError('ERR_TOKEN_MISSING')
  if (denyKids.size > 0) refuseDeniedKid(presented.token, denyKids)
  const facts = senderFacts(
    {
      method: request.method,
      url: request.url,
      headerValues: fetchHeaderValues(request.headers),
      clientCertificate: workersClientCertificate(request),
    },
    sender,
  )
  return verifyPresentedToken(verifier, presented, facts, sender, call)
}

function refuseDeniedKid(token: string, denyKids: ReadonlySet<string>): void {
  assertCompactJws(token)
  const { kid } = readTokenHeader(token)
  if (kid === undefined) throw new JwtAuthError('ERR_HEADER_INVALID')
  if (denyKids.has(kid)) throw new JwtAuthError('ERR_KEY_NOT_FOUND')
}
