import { type Command, Option } from 'commander'
import { DEFAULT_COOLDOWN_MS } from '../../cache/limits.js'
import { ASYMMETRIC_ALGORITHMS, type AsymmetricAlgorithm } from '../../jwk/algorithms.js'
import type { DiscoveryFlavour } from '../../testing/index.js'
import { startTestIssuerServer, type TestIssuerServer } from '../../testing/node.js'
import { parseAlgorithmList } from '../algorithms.js'
import { inputError } from '../errors.js'
import { type CliIo, notice } from '../io.js'
import { integerParser } from '../parse.js'

/** The highest TCP port. */
const MAX_PORT = 65_535
/** A year: longer than any cache a client would honour (ours clamps to 24 h, docs/verifier.md#how-keys-are-fetched-and-cached). */
const MAX_MAX_AGE_SECONDS = 365 * 86_400
const DISCOVERY_FLAVOURS: readonly DiscoveryFlavour[] = ['oidc', 'oauth', 'both', 'none']
const ASYMMETRIC = new Set<string>(ASYMMETRIC_ALGORITHMS)
/** curl's `-d` sends a form; the admin routes take JSON only (src/testing/admin.ts). */
const JSON_HEADER = "-H 'content-type: application/json'"

interface ServeOptions {
  port: number
  alg?: string[]
  maxAge?: number
  audience?: string
  discovery: DiscoveryFlavour
  json?: boolean
}

/** What `serve --json` prints on one line, for scripts to read the endpoints from. */
export interface ServeAnnouncement {
  url: string
  issuer: string
  audience: string
  /** The discovery document's URL; null with `--discovery none`. */
  discovery: string | null
  jwks_uri: string
  token_endpoint: string
  rotate_endpoint: string
  fail_endpoint: string
  keys: { kid: string; alg: string }[]
}

/** `serve`: the local test issuer on 127.0.0.1 until interrupted. */
export function registerServe(program: Command, io: CliIo): void {
  program
    .command('serve')
    .description('Run the local test issuer (discovery, JWKS, admin routes) on 127.0.0.1 until Ctrl+C.')
    .option('--port <port>', 'port on 127.0.0.1; 0 picks a free one', integerParser(0, MAX_PORT), 0)
    .option('--alg <list>', 'one key per algorithm, comma-separated (default RS256)', parseAlgorithmList)
    .option(
      '--max-age <seconds>',
      'Cache-Control max-age of the JWKS (default 600)',
      integerParser(0, MAX_MAX_AGE_SECONDS),
    )
    .option('--audience <aud>', 'aud of tokens from POST /token (default https://api.test)')
    .addOption(
      new Option('--discovery <flavour>', 'well-known documents served')
        .choices(DISCOVERY_FLAVOURS)
        .default('oidc'),
    )
    .option('--json', 'print the endpoints as one line of JSON instead of text')
    .addHelpText(
      'after',
      '\nThe first line on stdout is the issuer URL (or, with --json, the JSON line). Admin routes, for tests only,\n' +
        'take Content-Type: application/json (a web page cannot send that cross-site) and answer only a\n' +
        'loopback Host (127.0.0.1, localhost, [::1]; no DNS rebinding):\n' +
        '  POST /token   {"claims": {...}, "alg"?, "kid"?, "expiresInSeconds"?} -> {"access_token", ...}\n' +
        '  POST /rotate  {"alg"?, "keepPrevious"?} -> {"kid"}          new key first in the JWKS\n' +
        '  POST /fail    {"mode": {"kind": "down"|"hang"|"slow"|"status"|"bad-json"|...} | null, "target"?}\n\n' +
        'Example:\n' +
        '  jwks-gateway serve --port 8788 --alg RS256,ES256\n' +
        `  curl -s -X POST http://127.0.0.1:8788/token ${JSON_HEADER} -d '{"claims":{"sub":"alice"}}'`,
    )
    .action(async (options: ServeOptions) => {
      const algorithms = testAlgorithms(options.alg)
      let server: TestIssuerServer
      try {
        server = await startTestIssuerServer({
          port: options.port,
          admin: true,
          discovery: options.discovery,
          ...(algorithms !== undefined ? { algorithms } : {}),
          ...(options.maxAge !== undefined ? { maxAgeSeconds: options.maxAge } : {}),
          ...(options.audience !== undefined ? { audience: options.audience } : {}),
        })
      } catch (error) {
        const code = (error as { code?: unknown } | null)?.code
        if (code === 'EADDRINUSE') throw inputError(`port ${options.port} on 127.0.0.1 is in use`)
        if (code === 'EACCES') throw inputError(`no permission to listen on port ${options.port}`)
        throw error
      }
      try {
        const announcement = announce(server, options.discovery)
        if (options.json === true) io.stdout(`${JSON.stringify(announcement)}\n`)
        else {
          io.stdout(`${server.url}\n`)
          for (const line of describeEndpoints(announcement)) notice(io, line)
        }
        await io.untilInterrupted()
      } finally {
        await server.close()
      }
    })
}

function testAlgorithms(list: string[] | undefined): AsymmetricAlgorithm[] | undefined {
  if (list === undefined) return undefined
  const hmac = list.filter((alg) => !ASYMMETRIC.has(alg))
  if (hmac.length > 0)
    throw inputError(
      `--alg ${hmac.join(',')}: the test issuer publishes its keys, and HS secrets are never published`,
    )
  return list as AsymmetricAlgorithm[]
}

/** Where each flavour's document lives, for an issuer URL without a path. */
const DISCOVERY_PATHS: Record<DiscoveryFlavour, string | null> = {
  oidc: '/.well-known/openid-configuration',
  both: '/.well-known/openid-configuration',
  oauth: '/.well-known/oauth-authorization-server',
  none: null,
}

function announce(server: TestIssuerServer, flavour: DiscoveryFlavour): ServeAnnouncement {
  const discoveryPath = DISCOVERY_PATHS[flavour]
  const { issuer } = server
  return {
    url: server.url,
    issuer: issuer.issuer,
    audience: issuer.audience,
    discovery: discoveryPath === null ? null : `${server.url}${discoveryPath}`,
    jwks_uri: issuer.jwksUri,
    token_endpoint: `${server.url}/token`,
    rotate_endpoint: `${server.url}/rotate`,
    fail_endpoint: `${server.url}/fail`,
    keys: issuer.keys.map((key) => ({ kid: key.kid, alg: key.alg })),
  }
}

function describeEndpoints(a: ServeAnnouncement): string[] {
  return [
    `test issuer ${a.issuer} (audience ${a.audience}); keys: ${a.keys.map((k) => `${k.alg} ${k.kid}`).join(', ')}`,
    ...(a.discovery === null ? [] : [`  discovery: GET ${a.discovery}`]),
    `  JWKS:   GET  ${a.jwks_uri}`,
    `  token:  POST ${a.token_endpoint}   e.g. curl -s -X POST ${a.token_endpoint} ${JSON_HEADER} -d '{"claims":{"sub":"alice"}}'`,
    `  rotate: POST ${a.rotate_endpoint}   a verifier that fetched keys for an unknown kid in the last ${DEFAULT_COOLDOWN_MS / 1000} s sees the new kid after that cooldown`,
    `  fail:   POST ${a.fail_endpoint}   e.g. ${JSON_HEADER} -d '{"mode":{"kind":"down"}}'; {"mode":null} heals`,
    'admin routes mint tokens for anyone who can reach 127.0.0.1: for tests only. Ctrl+C stops.',
  ]
}
