import { type Command, Option } from 'commander'
import { inputError } from '../errors.js'
import { type CliIo, inputName, writeOutput } from '../io.js'
import { pickKey, readJwkFile } from '../jwk-input.js'
import { jwkToPem, PEM_FORMATS, type PemFormat } from '../pem/from-jwk.js'

interface Jwk2PemOptions {
  kid?: string
  format?: PemFormat
  public?: boolean
  out?: string
}

/** `jwk2pem`: a JWK (or one key of a JWKS) as PEM. */
export function registerJwk2Pem(program: Command, io: CliIo): void {
  program
    .command('jwk2pem')
    .description('Convert a JWK, or one key of a JWKS, to PEM.')
    .argument('<input>', 'a JWK or JWKS file, or - for stdin')
    .option('--kid <kid>', 'which key of a JWKS (needed when it holds several)')
    .addOption(
      new Option(
        '--format <format>',
        'pkcs8 (default for private keys), spki (default for public keys), pkcs1, sec1, cert',
      ).choices(PEM_FORMATS),
    )
    .option('--public', 'write the public half of a private key')
    .option('--out <file>', 'write here instead of stdout (mode 0600 when private)')
    .addHelpText(
      'after',
      '\nFormats: pkcs8 = PRIVATE KEY; spki = PUBLIC KEY; pkcs1 = RSA PRIVATE KEY, or RSA PUBLIC KEY with\n' +
        "--public or a public JWK; sec1 = EC PRIVATE KEY; cert = the certificates of the JWK's x5c.\n\n" +
        'Example:\n  jwks-gateway jwk2pem private.jwks.json --kid 2026-01 --public',
    )
    .action(async (input: string, options: Jwk2PemOptions) => {
      const name = inputName(input)
      const file = await readJwkFile(io, input)
      if (options.kid === undefined && file.keys.length > 1)
        throw inputError(`${name} holds ${file.keys.length} keys; pick one with --kid`)
      const jwk = pickKey(file, name, options.kid, () => true, 'key')
      const { pem, isPrivate } = jwkToPem(jwk, name, {
        ...(options.format !== undefined ? { format: options.format } : {}),
        ...(options.public === true ? { publicOnly: true } : {}),
      })
      await writeOutput(io, pem, { out: options.out, secret: isPrivate })
    })
}
