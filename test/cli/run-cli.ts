import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { CliIo } from '../../src/cli/io.js'
import { runCli } from '../../src/cli/run.js'

/** What one in-process run of the CLI printed and returned. */
export interface CliResult {
  code: number
  stdout: string
  stderr: string
}

export interface RunOptions {
  /** Text served as standard input. */
  stdin?: string
  /** Milliseconds since the epoch seen by the command. */
  now?: number
  /** Resolves to stop `serve`. */
  interrupted?: Promise<void>
  /** Called with each stdout chunk as it is written (for `serve`, which prints before it returns). */
  onStdout?: (text: string) => void
}

/** Runs one command line in-process with captured output: fast, and no build needed. */
export async function cli(argv: readonly string[], options: RunOptions = {}): Promise<CliResult> {
  let stdout = ''
  let stderr = ''
  const io: CliIo = {
    stdout: (text) => {
      stdout += text
      options.onStdout?.(text)
    },
    stderr: (text) => {
      stderr += text
    },
    readStdin: async () => options.stdin ?? '',
    now: () => options.now ?? Date.now(),
    untilInterrupted: () => options.interrupted ?? Promise.resolve(),
  }
  const code = await runCli(argv, io)
  return { code, stdout, stderr }
}

/** Like {@link cli}, but fails the test with the stderr text unless the command exits 0. */
export async function cliOk(argv: readonly string[], options: RunOptions = {}): Promise<CliResult> {
  const result = await cli(argv, options)
  if (result.code !== 0)
    throw new Error(`jwks-gateway ${argv.join(' ')} exited ${result.code}: ${result.stderr}`)
  return result
}

/** A fresh temporary directory, and a function that removes it. */
export async function tempDir(): Promise<{
  dir: string
  path: (name: string) => string
  remove: () => Promise<void>
}> {
  const dir = await mkdtemp(join(tmpdir(), 'jwks-gateway-cli-'))
  return { dir, path: (name) => join(dir, name), remove: () => rm(dir, { recursive: true, force: true }) }
}

/** Exactly one line on stderr, no stack frame: how every failure must look. */
export function expectOneLineError(stderr: string): void {
  const lines = stderr.split('\n').filter((line) => line !== '')
  if (lines.length !== 1 || !lines[0]!.startsWith('jwks-gateway: ') || /\n\s+at /.test(stderr))
    throw new Error(`expected one error line, got: ${JSON.stringify(stderr)}`)
}
