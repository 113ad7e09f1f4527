import { HTTP_TOKEN } from '../http/grammar.js'
import { ASYMMETRIC_ALGORITHMS } from '../jwk/algorithms.js'
import { VerifierConfigError } from '../verifier/config.js'
import { type OptionNames, refuseUnknownOptions } from '../verifier/option-names.js'
import { createNonceIssuer, MIN_NONCE_SECRET_LENGTH, type NonceIssuer } from './nonce.js'
import { MemoryReplayStore, type ReplayStore } from './replay-store.js'

/** Proof algorithms accepted by default: every asymmetric JWS alg, plus RFC 9864's `Ed25519`. */
export const DEFAULT_DPOP_ALGORITHMS: readonly string[] = [...ASYMMETRIC_ALGORITHMS, 'Ed25519']
/** How far a proof's `iat` may be from now, either way (RFC 9449 §11.1 leaves it to the server). */
export const DEFAULT_DPOP_IAT_WINDOW_SECONDS = 60
/** A wider window makes the replay store hold more and a stolen proof live longer. */
export const MAX_DPOP_IAT_WINDOW_SECONDS = 600

/**
 * DPoP (RFC 9449) at this resource server. With it on, `Authorization: DPoP <token>` is
 * accepted with a `DPoP` proof header; `Bearer` stays accepted for tokens without `cnf.jkt`
 * unless `only` is set.
 */
export interface DpopOptions {
  /** Refuse plain bearer tokens (401 with a `DPoP` challenge). Default `false`. */
  only?: boolean
  /** Proof algorithms, asymmetric only. Default: {@link DEFAULT_DPOP_ALGORITHMS}. */
  algorithms?: readonly string[]
  /** Seconds `iat` may lie before or after now, 1-600. Default `60`. */
  iatWindowSeconds?: number
  /**
   * Where seen proof `jti`s are kept for the window. Default: a `MemoryReplayStore` for this
   * process — with several instances, pass a shared one, or a proof replays on another.
   */
  replayStore?: ReplayStore
  /**
   * Secrets (at least 32 characters each) for server-issued nonces (RFC 9449 §8): proofs must
   * then carry a current `nonce`, else 401 `use_dpop_nonce` with a `DPoP-Nonce` header. The
   * first signs, the others are still accepted (rotation). Default: nonces off.
   */
  nonceSecrets?: readonly string[]
  /** Lifetime of one nonce step in seconds; a nonce stays valid for two steps. Default `300`. */
  nonceStepSeconds?: number
  /**
   * Build `htu` from `X-Forwarded-Proto` and `X-Forwarded-Host` (the value the nearest proxy
   * added). Only behind a proxy that sets both and strips the client's. Default `false`.
   */
  trustForwardedHeaders?: boolean
}

/** Certificate-bound tokens (RFC 8705 §3): `cnf["x5t#S256"]` is always enforced. */
export interface MtlsOptions {
  /**
   * Name of a header in which a TLS terminator in front of this server passes the client
   * certificate's SHA-256 thumbprint (hex or base64url). Only when that terminator overwrites
   * the header on every request; otherwise any client could set it. Default: not read.
   */
  thumbprintHeader?: string
}

/** Options of the sender-constraint check, as given to the middleware or the core. */
export interface SenderConstraintOptions {
  dpop?: DpopOptions | undefined
  mtls?: MtlsOptions | undefined
}

interface ResolvedDpop {
  only: boolean
  algorithms: ReadonlySet<string>
  /** For the challenge's `algs` (RFC 9449 §7.1). */
  algorithmList: readonly string[]
  iatWindowSeconds: number
  replayStore: ReplayStore
  nonces: NonceIssuer | undefined
  trustForwardedHeaders: boolean
}

export interface ResolvedSenderPolicy {
  dpop: ResolvedDpop | undefined
  thumbprintHeader: string | undefined
  now: () => number
}

const SUPPORTED_PROOF_ALGORITHMS = new Set(DEFAULT_DPOP_ALGORITHMS)

function fail(message: string, option: 'dpop' | 'mtls'): never {
  throw new VerifierConfigError(message, option)
}

/** Every {@link DpopOptions} name: anything else in `dpop` is refused. */
const DPOP_OPTION_NAMES: OptionNames<DpopOptions> = {
  only: true,
  algorithms: true,
  iatWindowSeconds: true,
  replayStore: true,
  nonceSecrets: true,
  nonceStepSeconds: true,
  trustForwardedHeaders: true,
}

/** Every {@link MtlsOptions} name: anything else in `mtls` is refused. */
const MTLS_OPTION_NAMES: OptionNames<MtlsOptions> = { thumbprintHeader: true }

function isBoolean(value: unknown): value is boolean | undefined {
  return value === undefined || typeof value === 'boolean'
}

/**
 * Checks the options once, at construction; the message names the bad option.
 * @param face - Who is asking, for the message of an unknown name.
 */
export function resolveSenderPolicy(
  options: SenderConstraintOptions,
  now: () => number,
  face = 'jwksAuth()',
): ResolvedSenderPolicy {
  const { dpop, mtls } = options
  let thumbprintHeader: string | undefined
  if (mtls !== undefined) {
    if (typeof mtls !== 'object' || mtls === null) fail('"mtls" option must be an object', 'mtls')
    refuseUnknownOptions(face, mtls, MTLS_OPTION_NAMES, { option: 'mtls', within: '"mtls"' })
    const header = mtls.thumbprintHeader
    if (header !== undefined && (typeof header !== 'string' || !HTTP_TOKEN.test(header))) {
      fail('"mtls.thumbprintHeader" option must be a header name', 'mtls')
    }
    thumbprintHeader = header?.toLowerCase()
  }
  return { dpop: dpop === undefined ? undefined : resolveDpop(dpop, now, face), thumbprintHeader, now }
}

function resolveDpop(dpop: DpopOptions, now: () => number, face: string): ResolvedDpop {
  if (typeof dpop !== 'object' || dpop === null) fail('"dpop" option must be an object', 'dpop')
  refuseUnknownOptions(face, dpop, DPOP_OPTION_NAMES, { option: 'dpop', within: '"dpop"' })
  if (!isBoolean(dpop.only)) fail('"dpop.only" option must be a boolean', 'dpop')
  if (!isBoolean(dpop.trustForwardedHeaders))
    fail('"dpop.trustForwardedHeaders" option must be a boolean', 'dpop')
  const algorithms = dpop.algorithms ?? DEFAULT_DPOP_ALGORITHMS
  if (
    !Array.isArray(algorithms) ||
    algorithms.length === 0 ||
    !algorithms.every((alg) => SUPPORTED_PROOF_ALGORITHMS.has(alg))
  ) {
    fail('"dpop.algorithms" option must list asymmetric JWS algorithms (never none or HS*)', 'dpop')
  }
  const window = dpop.iatWindowSeconds ?? DEFAULT_DPOP_IAT_WINDOW_SECONDS
  if (!Number.isInteger(window) || window < 1 || window > MAX_DPOP_IAT_WINDOW_SECONDS) {
    fail(`"dpop.iatWindowSeconds" option must be an integer from 1 to ${MAX_DPOP_IAT_WINDOW_SECONDS}`, 'dpop')
  }
  const store = dpop.replayStore
  if (store !== undefined && typeof store?.remember !== 'function') {
    fail('"dpop.replayStore" option must have a remember() method', 'dpop')
  }
  let nonces: NonceIssuer | undefined
  if (dpop.nonceSecrets !== undefined) {
    const secrets = dpop.nonceSecrets
    if (
      !Array.isArray(secrets) ||
      secrets.length === 0 ||
      !secrets.every((secret) => typeof secret === 'string' && secret.length >= MIN_NONCE_SECRET_LENGTH)
    ) {
      fail(
        `"dpop.nonceSecrets" option must list secrets of at least ${MIN_NONCE_SECRET_LENGTH} characters`,
        'dpop',
      )
    }
    const step = dpop.nonceStepSeconds
    if (step !== undefined && (!Number.isInteger(step) || step < 1 || step > 3600)) {
      fail('"dpop.nonceStepSeconds" option must be an integer from 1 to 3600', 'dpop')
    }
    nonces = createNonceIssuer({ secrets, now, ...(step === undefined ? {} : { stepSeconds: step }) })
  } else if (dpop.nonceStepSeconds !== undefined) {
    fail('"dpop.nonceStepSeconds" option needs "dpop.nonceSecrets"', 'dpop')
  }
  return {
    only: dpop.only ?? false,
    algorithms: new Set(algorithms),
    algorithmList: [...algorithms],
    iatWindowSeconds: window,
    replayStore: store ?? new MemoryReplayStore({ now }),
    nonces,
    trustForwardedHeaders: dpop.trustForwardedHeaders ?? false,
  }
}

/** What `WWW-Authenticate` says about DPoP (RFC 9449 §7.1): undefined when it is off. */
export function dpopChallenge(
  policy: ResolvedSenderPolicy,
): { algorithms: readonly string[]; only: boolean } | undefined {
  const { dpop } = policy
  return dpop === undefined ? undefined : { algorithms: dpop.algorithmList, only: dpop.only }
}
