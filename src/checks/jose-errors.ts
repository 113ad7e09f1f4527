import { errors } from 'jose'
import { JwtAuthError, type JwtAuthErrorCode } from '../errors.js'

/**
 * jose's failures as our codes. The jose error is dropped, not kept as `cause`: its claim
 * errors carry the whole payload, which must never reach a log (docs/verifier.md#verification-policy).
 */
export function fromJoseError(error: unknown): JwtAuthError {
  if (error instanceof JwtAuthError) return error
  return new JwtAuthError(codeOf(error))
}

function codeOf(error: unknown): JwtAuthErrorCode {
  if (error instanceof errors.JWSSignatureVerificationFailed) return 'ERR_SIGNATURE_INVALID'
  if (error instanceof errors.JWTExpired)
    return error.claim === 'exp' ? 'ERR_TOKEN_EXPIRED' : 'ERR_CLAIM_INVALID'
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.reason === 'missing') return 'ERR_CLAIM_INVALID'
    switch (error.claim) {
      case 'aud':
        return 'ERR_AUDIENCE_MISMATCH'
      case 'iss':
        return 'ERR_ISSUER_UNKNOWN'
      case 'typ':
        return 'ERR_TYPE_MISMATCH'
      // A failed check of either is a date in the future; 'invalid' is a date that is no number.
      case 'nbf':
      case 'iat':
        return error.reason === 'check_failed' ? 'ERR_TOKEN_NOT_YET_VALID' : 'ERR_CLAIM_INVALID'
      default:
        return 'ERR_CLAIM_INVALID'
    }
  }
  if (error instanceof errors.JOSEAlgNotAllowed) return 'ERR_ALG_NOT_ALLOWED'
  if (error instanceof errors.JWSInvalid || error instanceof errors.JWTInvalid) return 'ERR_TOKEN_MALFORMED'
  // jose throws TypeError for a key it will not use (RSA under 2048 bits, wrong key type).
  if (error instanceof TypeError || error instanceof errors.JOSENotSupported) return 'ERR_KEY_UNUSABLE'
  return 'ERR_SIGNATURE_INVALID'
}
