import { afterEach, describe, expect, it } from 'vitest'
import type { ServeAnnouncement } from '../../src/cli/commands/serve.js'
import { type CliResult, cli, expectOneLineError } from './run-cli.js'

/** A `serve` run in-process: its announcement, and how to stop it. */
interface Running {
  announcement: ServeAnnouncement
  firstLine: string
  stop(): Promise<CliResult>
}

const running: Running[] = []
afterEach(async () => {
  await Promise.all(running.splice(0).map((r) => r.stop()))
})

async function serve(...args: string[]): Promise<Running> {
  let interrupt!: () => void
  const interrupted = new Promise<void>((resolve) => {
    interrupt = resolve
  })
  let firstLine!: (line: string) => void
  const announced = new Promise<string>((resolve) => {
    firstLine = resolve
  })
  const result = cli(['serve', ...args], { interrupted, onStdout: (text) => firstLine(text.split('\n')[0]!) })
  const line = await Promise.race([
    announced,
    result.then((r) => Promise.reject(new Error(`serve exited: ${r.stderr}`))),
  ])
  let stopped: Promise<CliResult> | undefined
  const handle: Running = {
    announcement: args.includes('--json')
      ? (JSON.parse(line) as ServeAnnouncement)
      : ({ url: line } as ServeAnnouncement),
    firstLine: line,
    stop: () => {
      interrupt()
      stopped ??= result
      return stopped
    },
  }
  running.push(handle)
  return handle
}

async function postJson(url: string, body: unknown): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    body: JSON.stringify(body),
    headers: { 'content-type': 'application/json' },
  })
}

async function token(endpoint: string, claims: Record<string, unknown> = {}): Promise<string> {
  const response = await postJson(endpoint, { claims })
  expect(response.status).toBe(200)
  return ((await response.json()) as { access_token: string }).access_token
}

describe('serve', () => {
  it('prints its URL first, serves discovery and a JWKS with the asked max-age, and stops cleanly', async () => {
    const server = await serve('--alg', 'ES256,EdDSA', '--max-age', '42')
    expect(server.firstLine).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
    const discovery = (await (
      await fetch(`${server.firstLine}/.well-known/openid-configuration`)
    ).json()) as {
      issuer: string
      jwks_uri: string
    }
    expect(discovery.issuer).toBe(server.firstLine)
    const jwks = await fetch(discovery.jwks_uri)
    expect(jwks.headers.get('cache-control')).toContain('max-age=42')
    const { keys } = (await jwks.json()) as { keys: { alg: string; d?: string }[] }
    expect(keys.map((k) => k.alg)).toEqual(['ES256', 'EdDSA'])
    expect(keys.some((k) => 'd' in k)).toBe(false)
    const result = await server.stop()
    expect(result.code).toBe(0)
    expect(result.stderr).toContain('JWKS:')
    // Why a rotated-in key can be refused for a while: the verifier's unknown-kid cooldown.
    expect(result.stderr).toContain('in the last 30 s sees the new kid after that cooldown')
    // The printed curl line is one the admin routes accept: JSON, not curl's default form.
    expect(result.stderr).toContain(
      `curl -s -X POST ${server.firstLine}/token -H 'content-type: application/json' -d '{"claims":{"sub":"alice"}}'`,
    )
    await expect(fetch(discovery.jwks_uri)).rejects.toThrow()
  })

  it('--json announces every endpoint on one line', async () => {
    const server = await serve('--json', '--audience', 'https://my-api.test')
    const a = server.announcement
    expect(a).toMatchObject({
      issuer: a.url,
      audience: 'https://my-api.test',
      discovery: `${a.url}/.well-known/openid-configuration`,
      jwks_uri: `${a.url}/.well-known/jwks.json`,
      token_endpoint: `${a.url}/token`,
      rotate_endpoint: `${a.url}/rotate`,
      fail_endpoint: `${a.url}/fail`,
    })
    expect(a.keys).toEqual([{ kid: expect.any(String), alg: 'RS256' }])
  })

  it('issues tokens that `verify` accepts through discovery and through --jwks URL, across a rotation', async () => {
    const { announcement: a } = await serve('--json', '--alg', 'RS256,ES256')
    const verify = (t: string, ...args: string[]) =>
      cli(['verify', t, '--issuer', a.issuer, '--audience', a.audience, ...args])

    const first = await token(a.token_endpoint, { sub: 'alice', scope: 'read' })
    const viaDiscovery = await verify(first, '--scope', 'read')
    expect(viaDiscovery.code).toBe(0)
    expect(JSON.parse(viaDiscovery.stdout)).toMatchObject({ sub: 'alice', iss: a.issuer })
    expect((await verify(first, '--jwks', a.jwks_uri)).code).toBe(0)

    const rotated = (await (await postJson(a.rotate_endpoint, { alg: 'ES256' })).json()) as { kid: string }
    const second = await token(a.token_endpoint)
    const checked = await verify(second, '--jwks', a.jwks_uri, '--json')
    expect(JSON.parse(checked.stdout)).toMatchObject({ valid: true, kid: rotated.kid })
    // The previous key stays published, so the older token still verifies.
    expect((await verify(first, '--jwks', a.jwks_uri)).code).toBe(0)
  })

  it('an issuer that is down is no answer (exit 2), not a negative one', async () => {
    const { announcement: a } = await serve('--json')
    const t = await token(a.token_endpoint)
    expect((await postJson(a.fail_endpoint, { mode: { kind: 'down' }, target: 'all' })).status).toBe(204)
    const result = await cli(['verify', t, '--issuer', a.issuer, '--audience', a.audience])
    expect(result.code).toBe(2)
    expectOneLineError(result.stderr)
    expect(result.stderr).toContain('cannot verify: ERR_JWKS_UNAVAILABLE')
    // What was tried and why, so that the user can tell a typo from an outage.
    expect(result.stderr).toContain(`${a.issuer}/.well-known/openid-configuration`)
    expect(result.stderr).toMatch(/network error/)
  }, 15_000)

  it('an unreachable issuer names the URL it tried and why, without its query', async () => {
    const server = await serve('--json')
    const { port } = new URL(server.announcement.url)
    const issuer = `http://127.0.0.1:${port}/tenant`
    const t = await token(server.announcement.token_endpoint, { iss: issuer })
    await server.stop()
    const verify = (...args: string[]) =>
      cli(['verify', t, '--issuer', issuer, '--audience', server.announcement.audience, ...args])
    const discovered = await verify()
    expect(discovered.code).toBe(2)
    expectOneLineError(discovered.stderr)
    expect(discovered.stderr).toContain(`${issuer}/.well-known/openid-configuration`)
    expect(discovered.stderr).toMatch(/ECONNREFUSED|refused/)
    const direct = await verify('--jwks', `${issuer}/jwks.json?key=hunter2`)
    expect(direct.code).toBe(2)
    expect(direct.stderr).toContain(`${issuer}/jwks.json`)
    expect(direct.stderr).not.toContain('hunter2')
  }, 15_000)

  it.each([
    [['--alg', 'HS256'], /HS secrets are never published/],
    [['--port', '70000'], /from 0 to 65535/],
    [['--discovery', 'maybe'], /Allowed choices are oidc, oauth, both, none/],
  ])('refuses %j (exit 2)', async (args, message) => {
    const result = await cli(['serve', ...args])
    expect(result.code).toBe(2)
    expectOneLineError(result.stderr)
    expect(result.stderr).toMatch(message)
  })

  it('refuses a port in use (exit 2)', async () => {
    const first = await serve()
    const port = new URL(first.firstLine).port
    const result = await cli(['serve', '--port', port])
    expect(result.code).toBe(2)
    expectOneLineError(result.stderr)
    expect(result.stderr).toContain(`port ${port} on 127.0.0.1 is in use`)
  })
})
