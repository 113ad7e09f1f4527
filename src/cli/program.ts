import { Command } from 'commander'
import { registerInspect } from './commands/inspect.js'
import { registerJwk2Pem } from './commands/jwk2pem.js'
import { registerKeys } from './commands/keys.js'
import { registerMint } from './commands/mint.js'
import { registerPem2Jwk } from './commands/pem2jwk.js'
import { registerServe } from './commands/serve.js'
import { registerThumbprint } from './commands/thumbprint.js'
import { registerVerify } from './commands/verify.js'
import { oneLine } from './errors.js'
import { type CliIo, STDERR_PREFIX } from './io.js'

/** Commander prefixes its own errors with this; ours use the program name instead. */
const COMMANDER_ERROR_PREFIX = /^error: /

/**
 * Builds the `jwks-gateway` command tree. A fresh tree per run: commander keeps parsed state on
 * its commands. Settings made here (output, exit override) are inherited by every subcommand
 * created with `.command()`, which is why each command registers itself on its parent.
 */
export function createProgram(io: CliIo, version: string): Command {
  const program = new Command('jwks-gateway')
    .description('Keys, tokens and a local issuer for testing JWT verification with jwks-gateway.')
    .version(version, '-V, --version')
    .configureOutput({
      writeOut: (text) => io.stdout(text),
      writeErr: (text) => io.stderr(text),
      outputError: (text, write) =>
        write(`${STDERR_PREFIX}${oneLine(text.replace(COMMANDER_ERROR_PREFIX, ''))} (see --help)\n`),
    })
    .exitOverride()
    .showSuggestionAfterError(true)
    .addHelpText(
      'after',
      '\nExit codes: 0 ok, 1 negative answer (the token does not verify), 2 bad usage or input.\n' +
        'Inputs are a file path or - for stdin; outputs go to stdout unless --out FILE.',
    )
  registerKeys(program, io)
  registerPem2Jwk(program, io)
  registerJwk2Pem(program, io)
  registerThumbprint(program, io)
  registerMint(program, io)
  registerInspect(program, io)
  registerVerify(program, io)
  registerServe(program, io)
  return program
}
