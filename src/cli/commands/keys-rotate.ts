import { type Command, Option } from 'commander'
import { inputError } from '../errors.js'
import { type CliIo, inputName, notice } from '../io.js'
import { describeKey, readJwkFile } from '../jwk-input.js'
import { generateKey } from '../keys/generate.js'
import { writeKeySets } from '../keys/publish.js'
import { DEFAULT_KEEP, rotateKeys } from '../keys/rotate.js'
import { integerParser } from '../parse.js'
import { addNewKeyOptions, type NewKeyOptions } from './key-options.js'

/** More keys than a verifier takes from one JWKS (docs/verifier.md#how-keys-are-fetched-and-cached) would make the set useless. */
const MAX_KEEP = 100

interface RotateOptions extends NewKeyOptions {
  in: string
  keep: number
}

/** `keys rotate`: a new key first, the previous ones kept for a grace period, the oldest dropped. */
export function registerKeysRotate(keys: Command, io: CliIo): void {
  addNewKeyOptions(
    keys
      .command('rotate')
      .description('Add a new key at the front of a private JWKS, keep the previous ones, drop the oldest.')
      .addOption(new Option('--in <file>', 'the current private JWKS, or - for stdin').makeOptionMandatory())
      .addOption(
        new Option('--keep <n>', 'keys kept in all, the new one included')
          .argParser(integerParser(1, MAX_KEEP))
          .default(DEFAULT_KEEP),
      ),
  )
    .addHelpText(
      'after',
      '\nThe new key goes first, and signers (mint, the test issuer) sign with the first key. The previous\n' +
        `keys stay so tokens they signed keep verifying until they expire; with the default --keep ${DEFAULT_KEEP} that is\n` +
        'the replaced key and the one before it. --out may name the --in file: it is replaced atomically.\n\n' +
        'Example:\n' +
        '  jwks-gateway keys rotate --in private.jwks.json --alg ES256 --out private.jwks.json --public-out public.jwks.json',
    )
    .action(async (options: RotateOptions) => {
      const name = inputName(options.in)
      const current = await readJwkFile(io, options.in)
      const { privateJwk } = await generateKey({
        alg: options.alg,
        use: options.use,
        ...(options.bits !== undefined ? { bits: options.bits } : {}),
        ...(options.kid !== undefined ? { kid: options.kid } : {}),
      })
      if (current.keys.some((jwk) => jwk.kid === privateJwk.kid))
        throw inputError(
          `${name} already has a key with kid "${String(privateJwk.kid)}"; choose another --kid`,
        )
      const { keys, dropped } = rotateKeys(current.keys, privateJwk, options.keep)
      await writeKeySets(io, keys, { out: options.out, publicOut: options.publicOut })
      notice(io, `new key kid "${String(privateJwk.kid)}" is first`)
      dropped.forEach((jwk, index) => {
        notice(io, `dropped ${describeKey(jwk, options.keep + index)} (beyond --keep ${options.keep})`)
      })
    })
}
