import { type Command, Option } from 'commander'
import { calculateJwkThumbprint, type JWK } from 'jose'
import { inputError } from '../errors.js'
import { type CliIo, formatJson, inputName, writeOutput } from '../io.js'
import { describeKey, readJwkFile } from '../jwk-input.js'

const DIGESTS = ['sha256', 'sha384', 'sha512'] as const
type Digest = (typeof DIGESTS)[number]

interface ThumbprintOptions {
  digest: Digest
  json?: boolean
}

/** `thumbprint`: RFC 7638 JWK thumbprints, e.g. to use as kids. */
export function registerThumbprint(program: Command, io: CliIo): void {
  program
    .command('thumbprint')
    .description('Print the RFC 7638 thumbprint of a JWK, or of each key of a JWKS.')
    .argument('<input>', 'a JWK or JWKS file, or - for stdin')
    .addOption(new Option('--digest <digest>', 'hash function').choices(DIGESTS).default('sha256'))
    .option('--json', 'print [{"kid", "thumbprint"}] as JSON')
    .addHelpText(
      'after',
      '\nA single JWK prints its thumbprint alone; a JWKS prints "thumbprint<TAB>kid" per key.\n' +
        'Only the required public members count (RFC 7638 §3.2), so a private key and its public half agree.',
    )
    .action(async (input: string, options: ThumbprintOptions) => {
      const name = inputName(input)
      const file = await readJwkFile(io, input)
      const rows = await Promise.all(
        file.keys.map(async (jwk, index) => {
          try {
            return { kid: jwk.kid, thumbprint: await calculateJwkThumbprint(jwk as JWK, options.digest) }
          } catch {
            throw inputError(`${name}: ${describeKey(jwk, index)} lacks the members its thumbprint needs`)
          }
        }),
      )
      if (options.json === true) return writeOutput(io, formatJson(rows))
      const lines = file.isSet
        ? rows.map((row) => `${row.thumbprint}\t${typeof row.kid === 'string' ? row.kid : ''}`)
        : rows.map((row) => row.thumbprint)
      return writeOutput(io, `${lines.join('\n')}\n`)
    })
}
