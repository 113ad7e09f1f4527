import { type Command, Option } from 'commander'
import type { Algorithm } from '../../jwk/algorithms.js'
import { CLI_ALGORITHMS, parseAlgorithm } from '../algorithms.js'
import { RSA_BITS, type RsaBits } from '../keys/generate.js'
import { THUMBPRINT_KID } from '../keys/kid.js'
import { choiceParser } from '../parse.js'

/** The options shared by `keys generate` and `keys rotate` to describe the new key. */
export interface NewKeyOptions {
  alg: Algorithm
  kid?: string
  use: 'sig' | 'enc'
  bits?: RsaBits
  out?: string
  publicOut?: string
}

const parseBits = choiceParser(RSA_BITS.map(String))

/** Adds `--alg --kid --use --bits --out --public-out` to a command. */
export function addNewKeyOptions(command: Command): Command {
  return command
    .addOption(
      new Option('--alg <alg>', `algorithm of the new key: ${CLI_ALGORITHMS.join(', ')} (Ed25519 = EdDSA)`)
        .argParser(parseAlgorithm)
        .makeOptionMandatory(),
    )
    .option(
      '--kid <kid>',
      `key id, or "${THUMBPRINT_KID}" for the RFC 7638 thumbprint (default: thumbprint; a random UUID for HS keys)`,
    )
    .addOption(new Option('--use <use>', 'what the key is for').choices(['sig', 'enc']).default('sig'))
    .addOption(
      new Option('--bits <bits>', 'RSA modulus size (default 2048)').argParser(
        (value) => Number(parseBits(value)) as RsaBits,
      ),
    )
    .option('--out <file>', 'write the private JWKS here (mode 0600) instead of stdout')
    .option('--public-out <file>', 'write the public JWKS here (default: stdout when --out is a file)')
}
