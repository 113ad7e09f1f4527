import type { Command } from 'commander'
import type { CliIo } from '../io.js'
import { registerKeysGenerate } from './keys-generate.js'
import { registerKeysPublic } from './keys-public.js'
import { registerKeysRotate } from './keys-rotate.js'

/** `keys`: the group of key-set commands. */
export function registerKeys(program: Command, io: CliIo): void {
  const keys = program.command('keys').description('Generate, rotate and publish JSON Web Key Sets.')
  registerKeysGenerate(keys, io)
  registerKeysRotate(keys, io)
  registerKeysPublic(keys, io)
}
