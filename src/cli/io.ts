import { randomBytes } from 'node:crypto'
import { readFile, rename, rm, writeFile } from 'node:fs/promises'
import { inputError } from './errors.js'

/**
 * Everything a command touches outside its own arguments. `runCli` takes it as a parameter so
 * tests run commands in-process, capture the output and pin the clock without patching globals.
 */
export interface CliIo {
  stdout(text: string): void
  stderr(text: string): void
  /** All of standard input as text; only called for the `-` argument. */
  readStdin(): Promise<string>
  /** Milliseconds since the epoch; `mint` stamps `iat`/`exp` with it. */
  now(): number
  /** Resolves when the process is asked to stop (SIGINT/SIGTERM); `serve` runs until then. */
  untilInterrupted(): Promise<void>
}

/** Inputs larger than this are not key files or tokens; refusing them keeps a typo from reading a disk image. */
const MAX_INPUT_BYTES = 1024 * 1024

/** Prefix of every line the CLI writes to stderr, so it stands out in a pipeline's mixed output. */
export const STDERR_PREFIX = 'jwks-gateway: '

/** The argument that means "standard input" (and, for `--out`, standard output). */
export const STDIO = '-'

/** The real process: stdout/stderr/stdin, `Date.now`, and SIGINT/SIGTERM. */
export function nodeIo(): CliIo {
  return {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    readStdin: async () => {
      const chunks: Buffer[] = []
      let size = 0
      for await (const chunk of process.stdin as AsyncIterable<Buffer>) {
        size += chunk.length
        if (size > MAX_INPUT_BYTES) throw inputError(`stdin is larger than ${MAX_INPUT_BYTES} bytes`)
        chunks.push(chunk)
      }
      return Buffer.concat(chunks).toString('utf8')
    },
    now: () => Date.now(),
    untilInterrupted: () =>
      new Promise((resolve) => {
        const stop = (): void => {
          process.off('SIGINT', stop)
          process.off('SIGTERM', stop)
          resolve()
        }
        process.once('SIGINT', stop)
        process.once('SIGTERM', stop)
      }),
  }
}

/** A short name for an input in messages: the path, or "stdin". */
export function inputName(source: string): string {
  return source === STDIO ? 'stdin' : source
}

/** Reads a file path, or standard input for `-`, as UTF-8 text. Failures are one-line input errors. */
export async function readInput(io: CliIo, source: string): Promise<string> {
  if (source === STDIO) return io.readStdin()
  let bytes: Buffer
  try {
    bytes = await readFile(source)
  } catch (error) {
    throw inputError(`cannot read ${source}: ${describeFsError(error)}`)
  }
  if (bytes.length > MAX_INPUT_BYTES) throw inputError(`${source} is larger than ${MAX_INPUT_BYTES} bytes`)
  return bytes.toString('utf8')
}

export interface OutputTarget {
  /** A file path; absent or `-` writes to stdout. */
  out?: string | undefined
  /** The text holds private key material: a file gets mode 0600. */
  secret?: boolean
}

/** Private files are readable by their owner only, like ssh-keygen's. */
const SECRET_FILE_MODE = 0o600

/**
 * Writes `text` to stdout or to `target.out`. A secret file is written beside its destination
 * with mode 0600 and renamed over it, so it is never readable by others, not even briefly, and
 * an existing file with a wider mode is replaced rather than reused (`writeFile`'s mode only
 * applies when it creates the file).
 */
export async function writeOutput(io: CliIo, text: string, target: OutputTarget = {}): Promise<void> {
  const out = target.out
  if (out === undefined || out === STDIO) {
    io.stdout(text)
    return
  }
  try {
    if (target.secret !== true) {
      await writeFile(out, text)
      return
    }
    const temporary = `${out}.${randomBytes(6).toString('hex')}.tmp`
    try {
      await writeFile(temporary, text, { mode: SECRET_FILE_MODE, flag: 'wx' })
      await rename(temporary, out)
    } catch (error) {
      await rm(temporary, { force: true })
      throw error
    }
  } catch (error) {
    throw inputError(`cannot write ${out}: ${describeFsError(error)}`)
  }
}

/** JSON as every command prints it: two-space indent, trailing newline. */
export function formatJson(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`
}

/** A note on stderr (what a command did besides its output); stdout stays clean for pipes. */
export function notice(io: CliIo, message: string): void {
  io.stderr(`${STDERR_PREFIX}${message}\n`)
}

/** A warning on stderr: the command still succeeds. */
export function warn(io: CliIo, message: string): void {
  io.stderr(`${STDERR_PREFIX}warning: ${message}\n`)
}

const FS_ERRORS: Record<string, string> = {
  ENOENT: 'no such file or directory',
  EISDIR: 'is a directory',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  ENOTDIR: 'a parent is not a directory',
  EEXIST: 'already exists',
}

function describeFsError(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code
  if (typeof code === 'string') return FS_ERRORS[code] ?? code
  return 'unknown error'
}
