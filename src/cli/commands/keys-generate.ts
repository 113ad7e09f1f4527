import type { Command } from 'commander'
import type { CliIo } from '../io.js'
import { generateKey } from '../keys/generate.js'
import { writeKeySets } from '../keys/publish.js'
import { addNewKeyOptions, type NewKeyOptions } from './key-options.js'

/** `keys generate`: a new private JWKS with one key, and its public JWKS. */
export function registerKeysGenerate(keys: Command, io: CliIo): void {
  addNewKeyOptions(
    keys.command('generate').description('Generate a private JWKS holding one new key, and its public JWKS.'),
  )
    .addHelpText(
      'after',
      '\nHS256/HS384/HS512 keys are shared secrets: their public JWKS is empty (with a warning), because a\n' +
        'secret is never published. Keys made with --use enc carry no alg and are not in the public JWKS either.\n\n' +
        'Examples:\n' +
        '  jwks-gateway keys generate --alg ES256 --out private.jwks.json --public-out public.jwks.json\n' +
        '  jwks-gateway keys generate --alg RS256 --bits 3072 --kid 2026-01 --out private.jwks.json > public.jwks.json',
    )
    .action(async (options: NewKeyOptions) => {
      const { privateJwk } = await generateKey({
        alg: options.alg,
        use: options.use,
        ...(options.bits !== undefined ? { bits: options.bits } : {}),
        ...(options.kid !== undefined ? { kid: options.kid } : {}),
      })
      await writeKeySets(io, [privateJwk], { out: options.out, publicOut: options.publicOut })
    })
}
