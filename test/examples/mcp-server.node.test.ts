import { type ChildProcess, spawn } from 'node:child_process'
import { once } from 'node:events'
import { createInterface } from 'node:readline'
import {
  discoverOAuthServerInfo,
  extractWWWAuthenticateParams,
} from '@modelcontextprotocol/sdk/client/auth.js'
import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js'
import { afterEach, describe, expect, it } from 'vitest'

const STARTUP_TIMEOUT_MS = 20_000
let child: ChildProcess | undefined

afterEach(() => {
  // A failed test must not leave a server behind.
  if (child?.exitCode === null) child.kill('SIGKILL')
})

/** Starts the example as `npm run example:mcp` would (after the build) and reads its printout. */
async function start(): Promise<{ origin: string; issuer: string; token: string }> {
  child = spawn(process.execPath, ['--experimental-strip-types', 'examples/mcp-server/server.ts'], {
    env: { ...process.env, PORT: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const started = child
  const lines: string[] = []
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no token line in time')), STARTUP_TIMEOUT_MS)
    started.once('exit', (code) => reject(new Error(`exited early (${code})`)))
    createInterface({ input: started.stdout! }).on('line', (line) => {
      lines.push(line)
      const token = /Bearer ([\w.-]+)"/.exec(line)?.[1]
      const head = /^listening on (\S+) \(issuer (\S+)\)/.exec(lines[0] ?? '')
      if (token === undefined || head?.[1] === undefined || head[2] === undefined) return
      clearTimeout(timer)
      resolve({ origin: head[1], issuer: head[2], token })
    })
  })
}

describe('examples/mcp-server (run as a user would, after `npm run build`)', () => {
  it('leads an MCP client from the 401 to the issuer, then serves its tool to the printed token', async () => {
    const { origin, issuer, token } = await start()
    const endpoint = `${origin}/mcp`

    const anonymous = await fetch(endpoint, { method: 'POST' })
    expect(anonymous.status).toBe(401)
    const { resourceMetadataUrl, scope } = extractWWWAuthenticateParams(anonymous)
    expect(resourceMetadataUrl?.href).toBe(`${origin}/.well-known/oauth-protected-resource/mcp`)
    expect(scope).toBe('mcp:tools')
    const info = await discoverOAuthServerInfo(
      endpoint,
      resourceMetadataUrl === undefined ? {} : { resourceMetadataUrl },
    )
    expect(info.resourceMetadata?.resource).toBe(endpoint)
    expect(info.authorizationServerUrl).toBe(issuer)
    expect(info.authorizationServerMetadata?.token_endpoint).toBe(`${issuer}/token`)

    const client = new Client({ name: 'smoke', version: '1.0.0' })
    await client.connect(
      new StreamableHTTPClientTransport(new URL(endpoint), {
        requestInit: { headers: { authorization: `Bearer ${token}` } },
      }),
    )
    const result = await client.callTool({ name: 'whoami', arguments: {} })
    expect(result.content).toEqual([{ type: 'text', text: 'you are alice' }])
    await client.close()

    child?.kill('SIGINT')
    await once(child as ChildProcess, 'exit')
  }, 40_000)
})
