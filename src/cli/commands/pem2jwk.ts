import { type Command, Option } from 'commander'
import type { Algorithm } from '../../jwk/algorithms.js'
import { algorithmOf, keyFitsAlgorithm, parseAlgorithm } from '../algorithms.js'
import { inputError } from '../errors.js'
import { type CliIo, formatJson, inputName, readInput, warn, writeOutput } from '../io.js'
import type { JwkObject } from '../jwk-input.js'
import { chooseKid, THUMBPRINT_KID } from '../keys/kid.js'
import { pemToJwk } from '../pem/to-jwk.js'

interface Pem2JwkOptions {
  kid?: string
  alg?: Algorithm
  use: 'sig' | 'enc' | 'none'
  public?: boolean
  jwks?: boolean
  out?: string
}

/** `pem2jwk`: a PEM key or certificate as a JWK, with kid, alg and use. */
export function registerPem2Jwk(program: Command, io: CliIo): void {
  program
    .command('pem2jwk')
    .description('Convert a PEM key or X.509 certificate to a JWK.')
    .argument('<input>', 'a PEM file, or - for stdin')
    .option('--kid <kid>', `key id, or "${THUMBPRINT_KID}" for the RFC 7638 thumbprint`, THUMBPRINT_KID)
    .option(
      '--alg <alg>',
      'algorithm to record in the JWK (default: the only one an EC/Ed25519 key fits; none for RSA)',
      parseAlgorithm,
    )
    .addOption(
      new Option('--use <use>', 'what the key is for; none leaves "use" out')
        .choices(['sig', 'enc', 'none'])
        .default('sig'),
    )
    .option('--public', 'output only the public half of a private key')
    .option('--jwks', 'wrap the JWK in a JWKS {"keys": [...]}')
    .option('--out <file>', 'write here instead of stdout (mode 0600 when private)')
    .addHelpText(
      'after',
      '\nReads PKCS#8 (PRIVATE KEY), PKCS#1 (RSA PRIVATE KEY, RSA PUBLIC KEY), SEC1 (EC PRIVATE KEY), SPKI\n' +
        '(PUBLIC KEY) and CERTIFICATE blocks. Certificates add x5c (leaf first) and x5t#S256; a key followed by its\n' +
        'certificate chain gives the key with that x5c. Encrypted keys must be decrypted first.\n\n' +
        'Examples:\n' +
        '  openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 | jwks-gateway pem2jwk - --jwks\n' +
        '  jwks-gateway pem2jwk cert.pem --public',
    )
    .action(async (input: string, options: Pem2JwkOptions) => {
      const name = inputName(input)
      const key = pemToJwk(await readInput(io, input), name)
      for (const warning of key.warnings) warn(io, warning)
      const material = key.isPrivate && options.public === true ? key.publicJwk : key.jwk
      const alg = options.alg ?? (options.use === 'enc' ? undefined : algorithmOf(material))
      if (alg !== undefined && !keyFitsAlgorithm(material, alg))
        throw inputError(`--alg ${alg} does not fit this ${describeShape(material)} key`)
      const kid = await chooseKid(options.kid, key.publicJwk)
      // Labels first, then the material, so the JSON reads kid/use/alg before the long numbers.
      const jwk: JwkObject = {
        kid,
        ...(options.use === 'none' ? {} : { use: options.use }),
        ...(alg !== undefined ? { alg } : {}),
        ...material,
      }
      const isPrivate = key.isPrivate && options.public !== true
      await writeOutput(io, formatJson(options.jwks === true ? { keys: [jwk] } : jwk), {
        out: options.out,
        secret: isPrivate,
      })
    })
}

function describeShape(jwk: JwkObject): string {
  return typeof jwk.crv === 'string' ? `${jwk.kty} ${jwk.crv}` : jwk.kty
}
