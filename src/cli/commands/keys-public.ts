import type { Command } from 'commander'
import type { Algorithm } from '../../jwk/algorithms.js'
import { DEFAULT_ALGORITHMS } from '../../jwk/algorithms.js'
import { parseAlgorithmList } from '../algorithms.js'
import { type CliIo, formatJson, inputName, warn, writeOutput } from '../io.js'
import { readJwkFile } from '../jwk-input.js'
import { publicSetOf } from '../keys/publish.js'
import { collectCommaList } from '../parse.js'

interface PublicOptions {
  alg?: Algorithm[]
  denyKid?: string[]
  out?: string
}

/** `keys public`: what of a key set may be published (docs/gateway.md#the-public-jwks-well-knownjwksjson, `filterJwks`). */
export function registerKeysPublic(keys: Command, io: CliIo): void {
  keys
    .command('public')
    .description(
      'Strip a JWKS (or one JWK) to what may be published: public signing keys only (docs/gateway.md#the-public-jwks-well-knownjwksjson).',
    )
    .argument('<input>', 'a JWKS or JWK file, or - for stdin')
    .option(
      '--alg <list>',
      `allowed algorithms, comma-separated (default: ${DEFAULT_ALGORITHMS.join(',')})`,
      parseAlgorithmList,
    )
    .option('--deny-kid <kids>', 'kids never published, comma-separated, repeatable', collectCommaList)
    .option('--out <file>', 'write the public JWKS here instead of stdout')
    .addHelpText(
      'after',
      '\nKept: RSA, EC and OKP keys with use absent or "sig", an allowed alg, a kid not denied, each key once,\n' +
        'with only kty kid use alg key_ops n e crv x y x5c x5t x5t#S256. Never private members, never oct keys.\n' +
        'Every key left out is named on stderr with the reason.\n\n' +
        'Example:\n  jwks-gateway keys public private.jwks.json --out public.jwks.json',
    )
    .action(async (input: string, options: PublicOptions) => {
      const file = await readJwkFile(io, input)
      const published = publicSetOf(io, file.keys, {
        ...(options.alg !== undefined ? { algorithms: options.alg } : {}),
        ...(options.denyKid !== undefined ? { denyKids: options.denyKid } : {}),
      })
      if (published.keys.length === 0)
        warn(io, `nothing in ${inputName(input)} may be published; the public JWKS is empty`)
      await writeOutput(io, formatJson(published), { out: options.out })
    })
}
