import { base64url, type JWK } from 'jose'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createTestIssuer, type TestIssuer } from '../../src/testing/index.js'
import { b64, b64json, claims, forge, hmacToken, parts, signRaw, withSignature } from './support/forge.js'
import {
  closeTargets,
  type Layer,
  makeTarget,
  type Send,
  type Target,
  TOKEN_LAYERS,
} from './support/layers.js'
import { createWorld, type World } from './support/world.js'
import { selfSignedCertificate } from './support/x509.js'

/**
 * docs/verifier.md#verification-policy: no token, key material or JWKS body ever appears in an error message, a log line, an
 * event or an answer. test/verifier/no-secrets.test.ts covers the verifier; this runs docs/SECURITY.md's
 * hostile inputs, and a misbehaving issuer, through every layer with console and every hook
 * captured, then searches all of it for every secret that was in play.
 */

const SECRET_SUB = 'subject-that-must-not-leak-7f3a'
const SECRET_CLAIM = 'mallory@corp.example'
const BODY_MARKER = 'JWKS-BODY-MARKER-5d1c'
const BASIC = 'dXNlcjpzM2NyZXQtcGFzcw'

/** The hostile requests of docs/SECURITY.md (one or more per row where a request can carry it). */
async function hostileRequests(world: World, attacker: TestIssuer): Promise<Send[]> {
  const { idp, clock } = world
  const now = Math.floor(clock.now() / 1000)
  const secret = { sub: SECRET_SUB, email: SECRET_CLAIM }
  const valid = await idp.sign(secret)
  const [h, p, s] = parts(valid)
  const kid = idp.keys[0]?.kid ?? ''
  const rsa = idp.publicJwks().keys[0] as JWK
  const payload = claims(idp, clock.now(), secret)
  const tokens = [
    forge({ alg: 'none' }, payload, ''), // 1
    forge({ alg: 'nOnE', kid }, payload), // 2
    await hmacToken({ kid }, payload, new TextEncoder().encode(JSON.stringify(rsa))), // 3
    await hmacToken({ kid }, payload, base64url.decode(rsa.n ?? '')), // 4
    await attacker.sign(secret, { kid, header: { jwk: attacker.publicJwks().keys[0] } }), // 9
    await attacker.sign(secret, { header: { jku: 'https://attacker.example/jwks.json' } }), // 10
    await attacker.sign(secret, {
      header: { x5c: [await selfSignedCertificate(attacker.privateJwks().keys[0] as JWK, 'x')] },
    }), // 11
    await idp.sign(secret, { kid: 'kid\r\nX-Injected: 1' }), // 12
    await idp.sign(secret, { kid: 'k'.repeat(10_000) }), // 12
    await idp.sign(secret, { kid: '__proto__' }), // 13
    await signRaw(idp, 'RS256', { alg: 'RS256', kid: 1 }, payload), // 14
    await signRaw(idp, 'RS256', { alg: 'RS256', kid, crit: ['x-ext'] }, payload), // 15
    await signRaw(idp, 'ES256', { alg: 'ES256', b64: false, crit: ['b64'] }, payload), // 16
    withSignature(await idp.sign(secret, { alg: 'ES256' }), new Uint8Array(64)), // 18
    withSignature(valid, base64url.decode(s).slice(1)), // 20
    `${h}.${b64json({ ...payload, sub: 'admin' })}.${s}`, // 20
    `${h}.${p}.${s}`.slice(0, -2), // 27, 28
    `${h}.${p}`, // 27
    `${h}.${p}.${s}.${s}.${s}`, // 27, 32
    `${b64('not json')}.${p}.${s}`, // 29
    await signRaw(idp, 'RS256', { alg: 'RS256', kid, cty: 'JWT' }, valid), // 31
    await idp.sign({ ...secret, exp: now - 3600 }), // 33, 62
    await idp.sign({ ...secret, nbf: now + 3600 }), // 34
    await idp.sign({ ...secret, exp: undefined }), // 35
    await idp.sign({ ...secret, exp: '9999999999' } as never), // 36
    await idp.sign({ ...secret, iss: `${idp.issuer}/` }), // 37
    await idp.sign({ ...secret, aud: 'https://other-api.test' }), // 38
    withSignature(await idp.sign({ ...secret, exp: now - 3600 }), base64url.decode(s)), // 40
    `${b64json({ alg: 'RS256', crit: ['x'] })}.${'A'.repeat(17 * 1024)}.${s}`, // 46
  ]
  return [
    ...tokens.map((token) => ({ token })),
    { headers: [['authorization', `Basic ${BASIC}`]] }, // 41
    { token: valid, query: `?access_token=${valid}` }, // 42, 66
    { headers: [['authorization', `Bearer ${valid}, Bearer ${valid}`]] }, // 42
    { token: tokens[21], method: 'HEAD' }, // 47
  ] as Send[]
}

/** Everything secret that was in play: tokens and their parts, key parameters, bodies, claims. */
function secretsOf(world: World, attacker: TestIssuer, requests: Send[], bodies: string[]): string[] {
  const needles = new Set<string>([SECRET_SUB, SECRET_CLAIM, BODY_MARKER, BASIC, ...bodies])
  for (const request of requests) {
    const token = request.token
    if (token === undefined) continue
    needles.add(token)
    for (const segment of token.split('.')) if (segment.length >= 24) needles.add(segment)
  }
  for (const jwk of [...world.idp.privateJwks().keys, ...attacker.privateJwks().keys]) {
    for (const member of ['n', 'd', 'p', 'q', 'dp', 'dq', 'qi', 'x', 'y', 'k'] as const) {
      const value = jwk[member]
      if (typeof value === 'string') needles.add(value.slice(0, 32))
    }
  }
  return [...needles].filter((needle) => needle.length >= 8)
}

/** The issuer misbehaving between rounds: each JWKS body here must never be echoed anywhere. */
function issuerFaults(world: World): string[] {
  const [rsa] = world.idp.publicJwks().keys
  return [
    JSON.stringify(world.idp.privateJwks()),
    JSON.stringify({ keys: [rsa, { kty: 'oct', kid: 'hmac', k: b64(BODY_MARKER) }] }),
    `<html><body>${BODY_MARKER} sign in</body></html>`,
    `{"keys":[{"kty":"RSA","n":"${BODY_MARKER}"`,
  ]
}

describe('no secret leaves the middleware or the gateway', () => {
  const lines: string[] = []
  beforeEach(() => {
    for (const method of ['log', 'info', 'warn', 'error', 'debug'] as const) {
      vi.spyOn(console, method).mockImplementation((...args: unknown[]) => {
        lines.push(
          args
            .map((a) =>
              a instanceof Error
                ? `${a.stack} ${String(a.cause)}`
                : typeof a === 'string'
                  ? a
                  : JSON.stringify(a),
            )
            .join(' '),
        )
      })
    }
  })
  afterEach(async () => {
    vi.restoreAllMocks()
    lines.length = 0
    await closeTargets()
  })

  it('docs/SECURITY.md inputs and issuer faults: nothing secret in logs, events, errors or answers', async () => {
    const world = await createWorld({ algorithms: ['RS256', 'ES256', 'EdDSA'] })
    const attacker = await createTestIssuer({
      issuer: world.idp.issuer,
      audience: world.idp.audience,
      now: world.clock.now,
    })
    const requests = await hostileRequests(world, attacker)
    const bodies = issuerFaults(world)
    const targets: Target[] = []
    for (const layer of TOKEN_LAYERS as Layer[])
      targets.push(
        await makeTarget(layer, world, layer === 'gateway' || layer === 'core' ? {} : { query: true }),
      )
    targets.push(await makeTarget('gateway', world, { defaultLogging: true }))
    const answers: string[] = []
    const send = async (request: Send) => {
      for (const target of targets) {
        if (target.layer === 'core' && request.token === undefined) continue
        const probe = await target.send(
          target.layer === 'core' ? { token: request.token as string } : request,
        )
        if (probe.status !== 200) answers.push(probe.body, probe.challenge ?? '')
      }
    }
    for (const target of targets) await target.warm()
    for (const request of requests) await send(request)
    // The issuer turns hostile: each body is served after expiry, so every layer fetches it.
    for (const body of [...bodies, null]) {
      world.idp.serveJwks(body)
      world.clock.advance(11 * 60_000)
      for (const request of requests.slice(0, 6)) await send(request)
      for (const target of targets) await target.settle()
    }
    world.idp.fail({ kind: 'huge', bytes: 1024 * 1024 })
    world.clock.advance(11 * 60_000)
    await send({ token: await world.idp.sign({}, { kid: 'rotated' }) })
    for (const target of targets) await target.settle()

    const haystack = [
      ...lines,
      ...answers,
      ...targets.flatMap((t) => [...t.logs, ...t.events.map((e) => JSON.stringify(e))]),
      ...targets.flatMap((t) =>
        t.errors.map((e) => `${e.name} ${e.message} ${String(e.cause ?? '')} ${JSON.stringify(e)}`),
      ),
    ].join('\n')
    expect(targets.every((t) => t.events.length > 0 || t.layer === 'gateway')).toBe(true)
    expect(lines.some((line) => line.includes('key fetch failed'))).toBe(true)
    expect(targets.flatMap((t) => t.errors).length).toBeGreaterThan(requests.length)
    const needles = secretsOf(world, attacker, requests, bodies)
    expect(needles.length).toBeGreaterThan(100)
    for (const needle of needles) {
      expect(haystack.includes(needle), `leaked: ${needle.slice(0, 40)}…`).toBe(false)
    }
    // Attacker-chosen text that does reach an event is truncated and has no line breaks.
    for (const event of targets.flatMap((t) => t.events)) {
      if ('kid' in event && event.kid !== undefined) expect(event.kid).not.toMatch(/[\r\n]/)
    }
  }, 30_000)
})
