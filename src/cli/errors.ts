/**
 * Exit codes of every command. Scripts branch on them, so they never change:
 * like `grep`, 1 is a clean "no" and 2 means the question could not be answered.
 */
export const EXIT_OK = 0
/** A negative answer: the token does not verify. */
export const EXIT_NEGATIVE = 1
/** Bad usage or input: unknown option or algorithm, missing file, corrupt PEM, a JWKS with no keys. */
export const EXIT_USAGE = 2

export type ExitCode = typeof EXIT_OK | typeof EXIT_NEGATIVE | typeof EXIT_USAGE

/**
 * An error a command reports to the user: its message is one line on stderr, its `exitCode` the
 * process exit status. Messages name files, options and kids, never key material or tokens.
 */
export class CliError extends Error {
  override readonly name = 'CliError'
  readonly exitCode: ExitCode

  constructor(message: string, exitCode: ExitCode = EXIT_USAGE, options?: { cause?: unknown }) {
    super(message, options)
    this.exitCode = exitCode
  }
}

/** Shorthand for the common case: the input or the options cannot be used (exit 2). */
export function inputError(message: string, cause?: unknown): CliError {
  return new CliError(message, EXIT_USAGE, cause === undefined ? undefined : { cause })
}

/** Folds a message onto one line, so each failure is exactly one line on stderr. */
export function oneLine(message: string): string {
  return message.replace(/\s*\n\s*/g, ' ').trim()
}
