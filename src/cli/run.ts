import { CommanderError } from 'commander'
import { CliError, EXIT_OK, EXIT_USAGE, type ExitCode, oneLine } from './errors.js'
import { type CliIo, STDERR_PREFIX } from './io.js'
import { createProgram } from './program.js'

/**
 * Runs one command line (without `node` and the script path) and returns the exit code. Never
 * throws and never calls `process.exit`: the entry point sets `process.exitCode`, tests call this
 * in-process with a captured `io`. Every failure is one line on stderr, never a stack trace.
 */
export async function runCli(argv: readonly string[], io: CliIo, version = '0.0.0'): Promise<ExitCode> {
  const program = createProgram(io, version)
  try {
    await program.parseAsync([...argv], { from: 'user' })
    return EXIT_OK
  } catch (error) {
    // Commander has already printed its own error (through `outputError`) or the help text.
    if (error instanceof CommanderError) return error.exitCode === 0 ? EXIT_OK : EXIT_USAGE
    if (error instanceof CliError) {
      io.stderr(`${STDERR_PREFIX}${oneLine(error.message)}\n`)
      return error.exitCode
    }
    // A bug or an environment failure: still one line, and never the stack.
    io.stderr(`${STDERR_PREFIX}unexpected error: ${oneLine(describe(error))}\n`)
    return EXIT_USAGE
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}
