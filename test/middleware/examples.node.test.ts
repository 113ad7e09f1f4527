import { type ChildProcess, spawn } from 'node:child_process'
import { once } from 'node:events'
import { existsSync } from 'node:fs'
import { type AddressInfo, createServer } from 'node:net'
import { createInterface } from 'node:readline'
import { afterEach, describe, expect, it } from 'vitest'
import { BODY, CHALLENGE } from './support/answer-rows.js'

const STARTUP_TIMEOUT_MS = 20_000
/** As package.json's example scripts run them: Node before 22.18 strips types only when asked. */
const NODE_FLAGS = ['--experimental-strip-types']
const EXIT_TIMEOUT_MS = 10_000

interface Started {
  child: ChildProcess
  origin: string
  /** The bearer tokens of the printed curl lines: a `read` one, then a `read admin` one. */
  tokens: string[]
  /** Every stdout line so far; more arrive until the process exits. */
  lines: string[]
}

/**
 * Runs an example as a user would (`npm run example:…`: Node strips the types, the
 * example imports the built package by name) on a free port, and waits for its curl lines.
 */
async function start(script: string): Promise<Started> {
  // `npm test` builds first (pretest); a bare `vitest run` needs `npm run build` once.
  expect(existsSync('dist/hono/index.js') && existsSync('dist/express/index.js'), 'run `npm run build`').toBe(
    true,
  )
  const child = spawn(process.execPath, [...NODE_FLAGS, script], {
    env: { ...process.env, PORT: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const lines: string[] = []
  let stderr = ''
  child.stderr?.on('data', (chunk) => {
    stderr += String(chunk)
  })
  const ready = new Promise<Started>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`no curl lines in time; stderr: ${stderr}`)),
      STARTUP_TIMEOUT_MS,
    )
    child.once('exit', (code) => reject(new Error(`exited early (${code}); stderr: ${stderr}`)))
    createInterface({ input: child.stdout! }).on('line', (line) => {
      lines.push(line)
      const curls = lines.filter((l) => l.startsWith('curl -H'))
      const origin = /^listening on (http:\/\/127\.0\.0\.1:\d+) /.exec(lines[0] ?? '')?.[1]
      if (curls.length < 2 || origin === undefined) return
      clearTimeout(timer)
      const tokens = curls.map((l) => /Bearer ([\w.-]+)"/.exec(l)?.[1] ?? '')
      resolve({ child, origin, tokens, lines })
    })
  })
  running.push(child)
  return ready
}

const running: ChildProcess[] = []

afterEach(() => {
  // A failed test must not leave a server behind.
  for (const child of running.splice(0)) if (child.exitCode === null) child.kill('SIGKILL')
})

describe.each([
  ['examples/hono-node/server.ts', 'Hono on Node'],
  ['examples/express/server.ts', 'Express'],
])('%s (%s)', (script) => {
  it('serves public, protected and scoped routes, prints working curl lines, and stops on SIGINT', async () => {
    const { child, origin, tokens, lines } = await start(script)
    const [reader = '', admin = ''] = tokens
    const get = (path: string, token?: string) =>
      fetch(`${origin}${path}`, token === undefined ? {} : { headers: { authorization: `Bearer ${token}` } })

    expect(lines).toContain(`curl ${origin}/`)
    expect((await get('/')).status).toBe(200)

    const anonymous = await get('/api/me')
    expect([anonymous.status, anonymous.headers.get('www-authenticate')]).toEqual([401, CHALLENGE.missing])
    expect(await anonymous.json()).toEqual(BODY.missing)
    expect(await (await get('/api/me', reader)).json()).toEqual({ sub: 'alice' })

    const forbidden = await get('/api/admin', reader)
    expect([forbidden.status, forbidden.headers.get('www-authenticate')]).toEqual([
      403,
      CHALLENGE.insufficientScope('admin'),
    ])
    expect(await (await get('/api/admin', admin)).json()).toEqual({ admin: true, sub: 'root' })
    expect((await get('/api/me', `${reader}x`)).status).toBe(401)

    const exited = once(child, 'exit')
    child.kill('SIGINT')
    const [code] = (await Promise.race([
      exited,
      new Promise((_, reject) => setTimeout(() => reject(new Error('still running')), EXIT_TIMEOUT_MS)),
    ])) as [number | null]
    expect(code).toBe(0)
    expect(lines.at(-1)).toBe('stopped')
  }, 40_000)

  it('says the port is in use, and which variable picks another, when it is busy (exit 1)', async () => {
    const busy = createServer().listen(0, '127.0.0.1')
    await once(busy, 'listening')
    const { port } = busy.address() as AddressInfo
    try {
      const child = spawn(process.execPath, [...NODE_FLAGS, script], {
        env: { ...process.env, PORT: String(port) },
        stdio: ['ignore', 'pipe', 'pipe'],
      })
      running.push(child)
      let stderr = ''
      child.stderr?.on('data', (chunk) => {
        stderr += String(chunk)
      })
      const [code] = (await once(child, 'exit')) as [number | null]
      expect(code).toBe(1)
      // Node 22 adds an ExperimentalWarning for type stripping before it.
      expect(stderr.trim().split('\n').at(-1)).toBe(
        `cannot listen: port ${port} on 127.0.0.1 is in use (EADDRINUSE); set PORT to another port (0 picks a free one)`,
      )
    } finally {
      busy.close()
    }
  }, 20_000)
})
