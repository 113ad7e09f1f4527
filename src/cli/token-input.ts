import { inputError } from './errors.js'
import { type CliIo, readInput, STDIO } from './io.js'

/** A pasted `Authorization` header value works too. */
const BEARER_PREFIX = /^bearer\s+/i

/**
 * The token given on the command line, or read from stdin for `-`. Surrounding whitespace and a
 * `Bearer ` prefix are removed. The token never appears in an error message (docs/verifier.md#verification-policy).
 */
export async function readToken(io: CliIo, argument: string): Promise<string> {
  const raw = argument === STDIO ? await readInput(io, STDIO) : argument
  const token = raw.trim().replace(BEARER_PREFIX, '').trim()
  if (token === '') throw inputError(argument === STDIO ? 'stdin holds no token' : 'the token is empty')
  return token
}
