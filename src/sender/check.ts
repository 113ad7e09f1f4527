import type { JWTPayload } from 'jose'
import { type AuthScheme, JwtAuthError, type JwtAuthErrorCode } from '../errors.js'
import { verifyDpopProof } from './dpop-proof.js'
import { type ForwardedFacts, receivedHtu } from './htu.js'
import type { ResolvedSenderPolicy } from './options.js'

/** What the sender-constraint check reads off a request, as the server received it. */
export interface SenderFacts {
  /** The request method as received. */
  method: string
  /** The full URL this server received (scheme and host of the connection, not of a header). */
  url: string
  /** Every `DPoP` field value as received (a Fetch `Headers` joins repeats with `, `). */
  dpop: readonly string[]
  /** `X-Forwarded-Proto` / `-Host`, read only when the operator trusts them. */
  forwarded: ForwardedFacts
  /** RFC 8705 `x5t#S256` of the TLS client certificate, when the connection presented one. */
  certificateThumbprint: string | undefined
}

/** The token and the scheme it came with. */
export interface PresentedToken {
  token: string
  scheme: AuthScheme
}

function fail(code: JwtAuthErrorCode, scheme: AuthScheme, dpopNonce?: string): never {
  throw new JwtAuthError(code, dpopNonce === undefined ? { scheme } : { scheme, dpopNonce })
}

/** The token's `cnf` (RFC 7800) confirmation members, when it has them. */
function confirmation(payload: JWTPayload): { jkt: unknown; x5t: unknown } {
  const cnf = payload.cnf
  if (typeof cnf !== 'object' || cnf === null) return { jkt: undefined, x5t: undefined }
  const members = cnf as Record<string, unknown>
  return { jkt: members.jkt, x5t: members['x5t#S256'] }
}

/**
 * Checks that the sender of a request holds what its (already verified) token is bound to:
 * the DPoP proof key of `cnf.jkt` (RFC 9449 §4.3, §7) and the client certificate of
 * `cnf["x5t#S256"]` (RFC 8705 §3). Runs on every request, after the verifier and outside its
 * verified-token cache, so a cached token never skips its proof. Throws `JwtAuthError`.
 *
 * The replay store is asked last, so only a proof that passed every other check, signature
 * included, takes room in it.
 */
export async function checkSenderConstraint(
  presented: PresentedToken,
  payload: JWTPayload,
  facts: SenderFacts,
  policy: ResolvedSenderPolicy,
): Promise<void> {
  const { jkt, x5t } = confirmation(payload)
  const { dpop } = policy
  if (presented.scheme === 'Bearer') {
    if (dpop?.only === true) fail('ERR_DPOP_REQUIRED', 'DPoP')
    // RFC 9449 §7.2: a DPoP-bound token must not be accepted as a bearer token.
    if (jkt !== undefined) fail('ERR_TOKEN_BINDING_MISMATCH', 'DPoP')
  } else {
    if (dpop === undefined) fail('ERR_TOKEN_MISSING', 'Bearer')
    // RFC 9449 §4.3 check 1: exactly one proof. A JWT holds no comma, so a comma means two.
    const [proof, ...more] = facts.dpop
    if (proof === undefined || more.length > 0 || proof.includes(',')) fail('ERR_DPOP_PROOF_INVALID', 'DPoP')
    const htu = receivedHtu(facts.url, dpop.trustForwardedHeaders ? facts.forwarded : undefined)
    if (htu === undefined) fail('ERR_DPOP_PROOF_INVALID', 'DPoP')
    const nowMs = policy.now()
    const proved = await verifyDpopProof(proof.trim(), {
      method: facts.method,
      htu,
      accessToken: presented.token,
      algorithms: dpop.algorithms,
      nowMs,
      iatWindowSeconds: dpop.iatWindowSeconds,
    })
    if (typeof jkt !== 'string' || jkt !== proved.jkt) fail('ERR_TOKEN_BINDING_MISMATCH', 'DPoP')
    if (dpop.nonces !== undefined && !(await dpop.nonces.accepts(proved.nonce))) {
      fail('ERR_DPOP_NONCE_REQUIRED', 'DPoP', await dpop.nonces.current())
    }
    // Kept until the proof could no longer pass the iat check: from then on it is refused anyway.
    const expiresAtMs = (proved.iat + dpop.iatWindowSeconds) * 1000
    let fresh: boolean
    try {
      fresh = await dpop.replayStore.remember(`${proved.jkt}:${proved.jti}`, Math.max(expiresAtMs, nowMs))
    } catch (cause) {
      // Never skip the replay check: an unreachable store fails the request, as the server's fault.
      throw new JwtAuthError('ERR_REPLAY_STORE_UNAVAILABLE', { scheme: 'DPoP', cause })
    }
    if (!fresh) fail('ERR_DPOP_PROOF_REPLAYED', 'DPoP')
  }
  if (x5t !== undefined && (typeof x5t !== 'string' || x5t !== facts.certificateThumbprint)) {
    fail('ERR_TOKEN_BINDING_MISMATCH', presented.scheme)
  }
}
