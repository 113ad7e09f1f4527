import { type ChildProcess, spawn } from 'node:child_process'
import { once } from 'node:events'
import { createServer } from 'node:net'
import { createInterface } from 'node:readline'
import { afterEach, describe, expect, it } from 'vitest'

/** A cold `wrangler dev` bundles and starts workerd: allow for a slow machine. */
const STARTUP_TIMEOUT_MS = 100_000
const EXIT_TIMEOUT_MS = 15_000
const TEST_TIMEOUT_MS = 120_000

let started: ChildProcess | undefined
let wranglerPid: number | undefined

afterEach(() => {
  // Only if an assertion failed midway: never leave workerd running.
  for (const pid of [wranglerPid === undefined ? undefined : -wranglerPid, started?.pid]) {
    if (pid === undefined) continue
    try {
      process.kill(pid, 'SIGKILL')
    } catch {
      // Already gone: what the test wants.
    }
  }
  started = undefined
  wranglerPid = undefined
})

async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1')
  await once(server, 'listening')
  const { port } = server.address() as { port: number }
  server.close()
  await once(server, 'close')
  return port
}

function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code !== 'ESRCH'
  }
}

interface Started {
  child: ChildProcess
  port: number
  /** Every stdout line up to and including the curl line. */
  lines: string[]
  stderr: () => string
}

/** Runs scripts/start.mjs on a free port and resolves once it has printed its curl line. */
async function start(): Promise<Started> {
  const port = await freePort()
  const child = spawn(process.execPath, ['scripts/start.mjs', '--port', String(port)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  started = child
  let stderr = ''
  child.stderr?.on('data', (chunk) => {
    stderr += String(chunk)
  })
  const lines: string[] = []
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`no curl line in time; stderr:\n${stderr}`)),
      STARTUP_TIMEOUT_MS,
    )
    child.once('exit', (code) => reject(new Error(`start.mjs exited early (${code}); stderr:\n${stderr}`)))
    createInterface({ input: child.stdout! }).on('line', (line) => {
      lines.push(line)
      const pid = /wrangler pid (\d+)/.exec(line)?.[1]
      if (pid !== undefined) wranglerPid = Number(pid)
      if (!line.startsWith('curl ')) return
      clearTimeout(timer)
      resolve()
    })
  })
  return { child, port, lines, stderr: () => stderr }
}

/** Sends `signal` and expects a clean exit with wrangler's whole process group gone. */
async function expectStopsOn(child: ChildProcess, signal: NodeJS.Signals, url: string): Promise<void> {
  const exited = once(child, 'exit')
  child.kill(signal)
  const [code] = (await Promise.race([
    exited,
    new Promise((_, reject) =>
      setTimeout(() => reject(new Error(`no exit after ${signal}`)), EXIT_TIMEOUT_MS),
    ),
  ])) as [number | null]
  expect(code).toBe(0)
  expect(groupAlive(wranglerPid!)).toBe(false)
  await expect(fetch(url, { signal: AbortSignal.timeout(2_000) })).rejects.toThrow()
}

describe('npm start (scripts/start.mjs)', () => {
  it(
    'runs the gateway in workerd against the test issuer, prints a working curl and a /token command, and stops cleanly on SIGINT',
    async () => {
      const { child, port, lines, stderr } = await start()
      const curl = lines.at(-1)!

      // Run the printed command the way a shell would read it.
      const match = /^curl -H 'Authorization: (Bearer [\w.-]+)' (http:\/\/127\.0\.0\.1:\d+\/\S*)$/.exec(curl)
      expect(match, curl).not.toBeNull()
      const [, authorization, url] = match as RegExpExecArray
      expect(url).toBe(`http://127.0.0.1:${port}/hello`)
      const response = await fetch(url!, { headers: { authorization: authorization! } })
      expect(response.status).toBe(200)
      expect(await response.json()).toMatchObject({
        claims: { sub: 'local-user' },
        headers: { 'x-auth-subject': 'local-user' },
      })
      const rejected = await fetch(url!)
      expect(rejected.status).toBe(401)

      // A fresh token without a restart: the printed /token command, as JSON over POST.
      const tokenLine = lines.find((line) => line.startsWith('new token: curl '))
      const command =
        /-H 'Content-Type: application\/json' -d '(\{.*\})' (http:\/\/127\.0\.0\.1:\d+\/token)$/.exec(
          tokenLine ?? '',
        )
      expect(command, tokenLine).not.toBeNull()
      const minted = await fetch(command![2]!, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: command![1]!,
      })
      expect(minted.status).toBe(200)
      const { access_token: fresh } = (await minted.json()) as { access_token: string }
      const withFresh = await fetch(url!, { headers: { authorization: `Bearer ${fresh}` } })
      expect(await withFresh.json()).toMatchObject({ claims: { sub: 'alice' } })
      expect(lines.some((line) => line.includes('30 s (cooldown)'))).toBe(true)

      // Offline, nothing tried the internet (wrangler's request.cf fetch is off).
      expect(stderr()).not.toMatch(/ENOTFOUND|Request\.cf/)
      expect(wranglerPid).toBeTypeOf('number')
      expect(groupAlive(wranglerPid!)).toBe(true)
      await expectStopsOn(child, 'SIGINT', url!)
    },
    TEST_TIMEOUT_MS,
  )

  it(
    'stops wrangler and workerd when its terminal closes (SIGHUP)',
    async () => {
      const { child, port } = await start()
      const url = `http://127.0.0.1:${port}/healthz`
      expect((await fetch(url)).status).toBe(200)
      expect(groupAlive(wranglerPid!)).toBe(true)
      await expectStopsOn(child, 'SIGHUP', url)
    },
    TEST_TIMEOUT_MS,
  )
})
