#!/usr/bin/env node
/// <reference types="node" />
// The `jwks-gateway` command. Thin on purpose: everything testable lives in src/cli/. The build
// config loads no global types (the core is Web-only), so this Node-only entry asks for Node's.
import { readFile } from 'node:fs/promises'
import { nodeIo } from './cli/io.js'
import { runCli } from './cli/run.js'

/** The version printed by `--version`, from the package.json shipped next to dist/. */
async function packageVersion(): Promise<string> {
  try {
    const manifest = JSON.parse(await readFile(new URL('../package.json', import.meta.url), 'utf8')) as {
      version?: unknown
    }
    return typeof manifest.version === 'string' ? manifest.version : 'unknown'
  } catch {
    return 'unknown'
  }
}

process.exitCode = await runCli(process.argv.slice(2), nodeIo(), await packageVersion())
