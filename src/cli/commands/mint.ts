import { randomUUID } from 'node:crypto'
import { type Command, Option } from 'commander'
import { importJWK, type JWK, type JWTPayload, SignJWT } from 'jose'
import type { Algorithm } from '../../jwk/algorithms.js'
import { algorithmOf, keyFitsAlgorithm, parseAlgorithm } from '../algorithms.js'
import { inputError } from '../errors.js'
import { type CliIo, inputName, writeOutput } from '../io.js'
import { hasSecretMembers, type JwkObject, pickKey, readJwkFile } from '../jwk-input.js'
import { collect, parseClaim, parseDurationSeconds } from '../parse.js'

/** Test tokens live briefly by default, like real access tokens. */
const DEFAULT_LIFETIME = '5m'
const MS_PER_SECOND = 1000

interface MintOptions {
  key: string
  kid?: string
  alg?: Algorithm
  iss: string
  aud: string[]
  sub?: string
  scope?: string
  /** Seconds from now; `false` with `--no-exp`. */
  exp: number | false
  claim?: [string, unknown][]
  typ?: string
}

/** `mint`: a signed test token from a private JWKS. */
export function registerMint(program: Command, io: CliIo): void {
  program
    .command('mint')
    .description('Sign a test JWT with a key from a private JWKS and print it.')
    .addOption(new Option('--key <file>', 'private JWKS or JWK, or - for stdin').makeOptionMandatory())
    .option('--kid <kid>', 'which key signs (default: the first private key, the newest after a rotation)')
    .option('--alg <alg>', "signing algorithm (default: the key's alg)", parseAlgorithm)
    .addOption(new Option('--iss <url>', 'issuer (iss)').makeOptionMandatory())
    .addOption(
      new Option('--aud <aud>', 'audience (aud), repeatable for several')
        .argParser(collect(String))
        .makeOptionMandatory(),
    )
    .option('--sub <sub>', 'subject (sub)')
    .option('--scope <scopes>', 'space-separated scopes (scope)')
    .option(
      '--exp <duration>',
      'lifetime such as 30s, 5m, 2h, 1d; negative for an expired token',
      parseDurationSeconds,
    )
    .option('--no-exp', 'leave exp out')
    .option(
      '--claim <key=value>',
      'another claim, repeatable; the value is JSON when it parses, else text',
      collect(parseClaim),
    )
    .option('--typ <typ>', 'typ header, e.g. at+jwt (RFC 9068)')
    .addHelpText(
      'after',
      '\nClaims: iss, aud, sub, scope, iat (now), exp (now + lifetime), jti (random) and --claim ones, which\n' +
        'override the others. The header carries alg, kid (when the key has one) and typ.\n\n' +
        'Examples:\n' +
        '  jwks-gateway mint --key private.jwks.json --iss http://127.0.0.1:8787 --aud api --sub alice --scope "read write"\n' +
        '  jwks-gateway mint --key private.jwks.json --iss https://idp.example --aud api --exp=-5m   # already expired',
    )
    .action(async (options: MintOptions) => {
      const name = inputName(options.key)
      const file = await readJwkFile(io, options.key)
      const jwk = pickKey(file, name, options.kid, hasSecretMembers, 'private key')
      const alg = signingAlgorithm(jwk, options.alg, name)
      let key: Awaited<ReturnType<typeof importJWK>>
      try {
        key = await importJWK(withoutUsage(jwk), alg)
      } catch {
        throw inputError(`${name}: the key cannot sign ${alg} (malformed key members)`)
      }
      const token = await new SignJWT(claimsOf(options, Math.floor(io.now() / MS_PER_SECOND)))
        .setProtectedHeader({
          alg,
          ...(typeof jwk.kid === 'string' ? { kid: jwk.kid } : {}),
          ...(options.typ !== undefined ? { typ: options.typ } : {}),
        })
        .sign(key)
      await writeOutput(io, `${token}\n`)
    })
}

function signingAlgorithm(jwk: JwkObject, requested: Algorithm | undefined, name: string): Algorithm {
  const who = typeof jwk.kid === 'string' ? `key "${jwk.kid}"` : `the key in ${name}`
  if (jwk.use !== undefined && jwk.use !== 'sig')
    throw inputError(`${who} is not for signing (use "${String(jwk.use)}")`)
  if (requested !== undefined && jwk.alg !== undefined && jwk.alg !== requested)
    throw inputError(`${who} is for ${String(jwk.alg)}, not ${requested}`)
  const alg = requested ?? algorithmOf(jwk)
  if (alg === undefined) throw inputError(`${who} names no usable alg; pass --alg`)
  if (!keyFitsAlgorithm(jwk, alg)) throw inputError(`${who} (${jwk.kty}) cannot sign ${alg}`)
  return alg
}

/** jose checks `use`/`key_ops` against what it imports for; we have already checked them above. */
function withoutUsage(jwk: JwkObject): JWK {
  const { use: _use, key_ops: _keyOps, ...rest } = jwk
  return rest as JWK
}

function claimsOf(options: MintOptions, nowSeconds: number): JWTPayload {
  const lifetime = options.exp === false ? undefined : (options.exp ?? parseDurationSeconds(DEFAULT_LIFETIME))
  return {
    iss: options.iss,
    aud: options.aud.length === 1 ? options.aud[0]! : options.aud,
    ...(options.sub !== undefined ? { sub: options.sub } : {}),
    ...(options.scope !== undefined ? { scope: options.scope } : {}),
    iat: nowSeconds,
    ...(lifetime !== undefined ? { exp: nowSeconds + lifetime } : {}),
    jti: randomUUID(),
    ...Object.fromEntries(options.claim ?? []),
  }
}
