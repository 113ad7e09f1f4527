import { type Command, Option } from 'commander'
import type { CacheEvent } from '../../cache/events.js'
import { urlWithoutSecrets } from '../../cache/transport.js'
import { createVerifier, isJwtAuthError, VerifierConfigError } from '../../index.js'
import {
  type Algorithm,
  ASYMMETRIC_ALGORITHMS,
  DEFAULT_ALGORITHMS,
  isHmacAlgorithm,
} from '../../jwk/algorithms.js'
import { partitionJwks } from '../../jwks/filter.js'
import type { HmacSecret, IssuerOptions, VerifiedToken } from '../../verifier/options.js'
import { parseAlgorithmList } from '../algorithms.js'
import { CliError, EXIT_NEGATIVE, EXIT_USAGE, inputError } from '../errors.js'
import { type CliIo, formatJson, inputName, notice, writeOutput } from '../io.js'
import { type JwkObject, readJwkFile } from '../jwk-input.js'
import { collect, integerParser } from '../parse.js'
import { readToken } from '../token-input.js'

/** `--jwks` values that are fetched rather than read from disk. */
const URL_PATTERN = /^https?:\/\//i
/** An hour of skew is already far more than any sane clock tolerance. */
const MAX_CLOCK_TOLERANCE_SECONDS = 3600

interface VerifyOptions {
  issuer: string
  audience: string[]
  jwks?: string
  alg?: Algorithm[]
  typ?: string
  clockTolerance?: number
  scope?: string
  json?: boolean
}

/** `verify`: the core verifier's answer for one token, as an exit code. */
export function registerVerify(program: Command, io: CliIo): void {
  program
    .command('verify')
    .description(
      "Verify a JWT with jwks-gateway's verifier and print its claims; exit 1 when it does not verify.",
    )
    .argument('<token>', 'the token, or - for stdin')
    .addOption(
      new Option('--issuer <url>', 'the trusted issuer; iss must equal it exactly').makeOptionMandatory(),
    )
    .addOption(
      new Option('--audience <aud>', 'an accepted audience, repeatable')
        .argParser(collect(String))
        .makeOptionMandatory(),
    )
    .option(
      '--jwks <file|url>',
      "the issuer's keys: a local JWKS file, or a JWKS URL (default: OIDC/RFC 8414 discovery)",
    )
    .option(
      '--alg <list>',
      `allowed algorithms, comma-separated (default: ${DEFAULT_ALGORITHMS.join(',')})`,
      parseAlgorithmList,
    )
    .option('--typ <typ>', 'required typ header, e.g. at+jwt')
    .option(
      '--clock-tolerance <seconds>',
      'accepted clock skew for exp/nbf/iat (default 30)',
      integerParser(0, MAX_CLOCK_TOLERANCE_SECONDS),
    )
    .option('--scope <scopes>', 'scopes the token must carry, space-separated')
    .option(
      '--json',
      'print {"valid", "issuer", "kid", "header", "payload"} or {"valid": false, "code"} as JSON',
    )
    .addHelpText(
      'after',
      '\nExit codes: 0 the token verifies; 1 it does not (the error code, e.g. ERR_TOKEN_EXPIRED, is on stderr);\n' +
        '2 bad usage, or the keys could not be had (ERR_JWKS_UNAVAILABLE): no answer either way.\n' +
        'A local --jwks file may hold private keys (only their public halves are used) and HS secrets\n' +
        '(oct keys naming their alg), which are used only when --alg allows that HS algorithm.\n\n' +
        'Example:\n' +
        '  jwks-gateway verify "$TOKEN" --issuer http://127.0.0.1:8788 --audience https://api.test',
    )
    .action(async (argument: string, options: VerifyOptions) => {
      const token = await readToken(io, argument)
      const algorithms = options.alg ?? DEFAULT_ALGORITHMS
      const issuer: IssuerOptions = {
        issuer: options.issuer,
        ...(await keySource(io, options.jwks, algorithms)),
      }
      let verified: VerifiedToken
      let lastFailure: FetchFailedEvent | undefined
      try {
        const verifier = createVerifier({
          issuer,
          audience: options.audience,
          algorithms,
          ...(options.typ !== undefined ? { typ: options.typ } : {}),
          ...(options.clockTolerance !== undefined ? { clockToleranceSeconds: options.clockTolerance } : {}),
          ...(options.scope !== undefined
            ? { requiredScopes: options.scope.split(/\s+/).filter(Boolean) }
            : {}),
          // One token, one run: a cache would never be hit.
          tokenCacheSize: 0,
          // Why keys could not be had, for the message: ERR_JWKS_UNAVAILABLE alone does not say.
          onEvent: (event) => {
            if (event.type === 'fetch_failed') lastFailure = event
          },
        })
        verified = await verifier.verify(token)
      } catch (error) {
        if (error instanceof VerifierConfigError) throw inputError(error.message)
        if (!isJwtAuthError(error)) throw error
        if (options.json === true) io.stdout(formatJson({ valid: false, code: error.code }))
        const exitCode = error.code === 'ERR_JWKS_UNAVAILABLE' ? EXIT_USAGE : EXIT_NEGATIVE
        const tried =
          exitCode === EXIT_USAGE && lastFailure !== undefined
            ? `; tried ${urlWithoutSecrets(lastFailure.url)}: ${lastFailure.reason}`
            : ''
        throw new CliError(
          `${exitCode === EXIT_NEGATIVE ? 'invalid token' : 'cannot verify'}: ${error.code} (${error.message})${tried}`,
          exitCode,
        )
      }
      const { payload, protectedHeader, kid } = verified
      if (options.json === true) {
        await writeOutput(
          io,
          formatJson({ valid: true, issuer: verified.issuer, kid, header: protectedHeader, payload }),
        )
        return
      }
      notice(
        io,
        `valid token: alg ${String(protectedHeader.alg)}${kid === undefined ? '' : `, kid "${kid}"`}, issuer ${verified.issuer}`,
      )
      await writeOutput(io, formatJson(payload))
    })
}

type FetchFailedEvent = Extract<CacheEvent, { type: 'fetch_failed' }>

/** The `jwksUri`, or the static `jwks` and HMAC `secrets`, for the `--jwks` option. */
async function keySource(
  io: CliIo,
  jwks: string | undefined,
  algorithms: readonly Algorithm[],
): Promise<Pick<IssuerOptions, 'jwks' | 'jwksUri' | 'secrets'>> {
  if (jwks === undefined) return {}
  if (URL_PATTERN.test(jwks)) return { jwksUri: jwks }
  const name = inputName(jwks)
  const file = await readJwkFile(io, jwks)
  // A local file is ours: private members are stripped, not a reason to distrust the whole set
  // as they would be from a remote issuer (docs/verifier.md#how-keys-are-fetched-and-cached).
  const { keys } = partitionJwks({ keys: file.keys }, { algorithms: ASYMMETRIC_ALGORITHMS })
  const secrets = file.keys.flatMap((jwk) => hmacSecret(jwk, algorithms))
  if (keys.length === 0 && secrets.length === 0)
    throw inputError(`${name} holds no key usable for ${algorithms.join(', ')}`)
  return { ...(keys.length > 0 ? { jwks: { keys } } : {}), ...(secrets.length > 0 ? { secrets } : {}) }
}

/** An `oct` key that names an allowed HS alg, as a locally configured secret (docs/verifier.md#verification-policy). */
function hmacSecret(jwk: JwkObject, algorithms: readonly Algorithm[]): HmacSecret[] {
  const alg = jwk.alg
  if (jwk.kty !== 'oct' || typeof alg !== 'string' || !isHmacAlgorithm(alg) || !algorithms.includes(alg))
    return []
  if (typeof jwk.k !== 'string') return []
  return [
    {
      alg,
      secret: Buffer.from(jwk.k, 'base64url'),
      ...(typeof jwk.kid === 'string' ? { kid: jwk.kid } : {}),
    },
  ]
}
