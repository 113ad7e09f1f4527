import { execFile, execFileSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'

const run = promisify(execFile)

/** A Node this repository cannot run on (the machine's own, when it is older), or undefined. */
function oldNode(): string | undefined {
  for (const candidate of [process.env.JWKS_GATEWAY_OLD_NODE, '/usr/bin/node', '/usr/local/bin/node']) {
    if (candidate === undefined || candidate === '' || !existsSync(candidate)) continue
    const version = execFileSync(candidate, ['-p', 'process.versions.node'], { encoding: 'utf8' }).trim()
    if (Number(version.split('.')[0]) < 22) return candidate
  }
  return undefined
}

const OLD_NODE = oldNode()
/** Six short runs of an old Node, four of them through npm: generous for a loaded machine. */
const OLD_NODE_TIMEOUT_MS = 60_000

async function supported(versions: string[]): Promise<boolean[]> {
  const { stdout } = await run(process.execPath, [
    '--input-type=module',
    '-e',
    `import { isSupportedNode } from './scripts/lib/node-support.mjs'
     console.log(JSON.stringify(${JSON.stringify(versions)}.map(isSupportedNode)))`,
  ])
  return JSON.parse(stdout) as boolean[]
}

/** Runs `command` with `node` on PATH being `node`; resolves to its exit code and stderr. */
async function runWith(node: string, command: string[]): Promise<{ code: number; stderr: string }> {
  try {
    const { stderr } = await run(command[0] === 'node' ? node : command[0]!, command.slice(1), {
      env: { ...process.env, PATH: `${node.replace(/\/node$/, '')}:/usr/bin:/bin` },
    })
    return { code: 0, stderr }
  } catch (error) {
    const failed = error as { code: number; stderr: string }
    return { code: failed.code, stderr: failed.stderr }
  }
}

describe('scripts/require-node.mjs', () => {
  it('accepts exactly the versions whose features the scripts use, as package.json engines says', async () => {
    expect(
      await supported([
        '20.20.2',
        '22.6.0',
        '22.14.0',
        '22.15.0',
        '22.21.1',
        '23.4.0',
        '23.5.0',
        '24.0.0',
        '26.1.0',
      ]),
    ).toEqual([false, false, false, true, true, false, true, true, true])
    const { stdout } = await run(process.execPath, [
      '--input-type=module',
      '-e',
      "import { SUPPORTED_NODE } from './scripts/lib/node-support.mjs'; console.log(SUPPORTED_NODE)",
    ])
    const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { engines: { node: string } }
    expect(pkg.engines.node).toBe(stdout.trim())
  })

  it('passes silently on this Node', async () => {
    expect(await runWith(process.execPath, ['node', 'scripts/require-node.mjs'])).toEqual({
      code: 0,
      stderr: '',
    })
  })

  // The machine's own Node (v20 where CI runs) is what a newcomer starts with.
  it.skipIf(OLD_NODE === undefined)(
    'stops npm start and the example and bench scripts on an old Node with what to do, exit 1',
    async () => {
      const old = OLD_NODE!
      const scripts = JSON.parse(readFileSync('package.json', 'utf8')) as { scripts: Record<string, string> }
      const userScripts = Object.keys(scripts.scripts).filter((name) => /^(example:|bench$)/.test(name))
      expect(userScripts.length).toBeGreaterThanOrEqual(4)
      const commands = [
        ['node', 'scripts/start.mjs'],
        ['node', 'scripts/require-node.mjs'],
        ...userScripts.map((name) => ['npm', 'run', '--silent', name]),
      ]
      const results = await Promise.all(commands.map((command) => runWith(old, command)))
      for (const [i, { code, stderr }] of results.entries()) {
        expect({ command: commands[i], code }).toEqual({ command: commands[i], code: 1 })
        expect(stderr).toContain('jwks-gateway: this needs Node ^22.15.0 || >=23.5.0; this is Node ')
        expect(stderr).toContain('source scripts/ensure-node.sh')
      }
    },
    OLD_NODE_TIMEOUT_MS,
  )
})
