import { expect } from 'vitest'
import { expectAccepted, expectRejected } from './support/expect.js'
import {
  CONFIGURABLE_LAYERS,
  makeTarget,
  type Probe,
  type TargetOptions,
  TOKEN_LAYERS,
} from './support/layers.js'
import { eachLayer, useWorld } from './support/suite.js'

// docs/SECURITY.md row 48–49 (out): what leaves the verifier is a docs/middleware.md#http-answers answer or a filtered key set,
// never a 500, a stack or a private member.
const world = useWorld({ algorithms: ['RS256', 'ES256', 'EdDSA'] })

function expectNo500(probe: Probe): void {
  expect(probe.status).not.toBe(500)
  expect(probe.body).not.toMatch(/\bat \S+ \(|Error:|TypeError|stack/i)
}

const bug = (): never => {
  throw new TypeError('bug of ours')
}

/** A body stream that breaks after its first bytes. */
const brokenBody = () =>
  new Response(
    new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode('{"keys":['))
        controller.error(new TypeError('socket hang up'))
      },
    }),
    { headers: { 'content-type': 'application/json' } },
  )

const FETCH_BUGS: [string, typeof fetch][] = [
  ['a fetch that throws synchronously', (() => bug()) as typeof fetch],
  ['a fetch that rejects with a TypeError', (async () => bug()) as typeof fetch],
  [
    'a fetch that resolves to something that is not a Response',
    (async () => ({})) as unknown as typeof fetch,
  ],
  ['a body stream that errors midway', (async () => brokenBody()) as typeof fetch],
]

eachLayer(
  TOKEN_LAYERS,
  '#48 fetch bugs (sync throw, TypeError, not a Response, broken stream) → R503, never 500',
  async (layer) => {
    const { idp } = world()
    for (const [, fetch] of FETCH_BUGS) {
      const t = await makeTarget(layer, world(), { fetch })
      const probe = await t.send({ token: await idp.sign() })
      expectNo500(probe)
      expectRejected(probe, 'R503', 'ERR_JWKS_UNAVAILABLE')
    }
  },
)

eachLayer(
  TOKEN_LAYERS,
  '#48 a throwing clock → R401; a throwing observer changes nothing; a bad JWK → R401',
  async (layer) => {
    const { idp } = world()
    const clock = await makeTarget(layer, world(), { now: () => bug() })
    const probe = await clock.send({ token: await idp.sign() })
    expectNo500(probe)
    expectRejected(probe, 'R401', 'ERR_TOKEN_MALFORMED')

    const observed = await makeTarget(layer, world(), { onEvent: () => bug() })
    expectAccepted(await observed.send({ token: await idp.sign() }))
    expectRejected(await observed.send({ token: 'not-a-token' }), 'R401', 'ERR_TOKEN_MALFORMED')

    // A JWK that passes the schema but that WebCrypto refuses: unusable, not a crash.
    const ec = idp.publicJwks().keys.find((k) => k.alg === 'ES256')
    idp.serveJwks({
      keys: [...idp.publicJwks().keys.filter((k) => k.kid !== ec?.kid), { ...ec, x: 'AAAA', y: 'AAAA' }],
    })
    const badKey = await makeTarget(layer, world())
    const unusable = await badKey.send({ token: await idp.sign({}, { alg: 'ES256' }) })
    expectNo500(unusable)
    expectRejected(unusable, 'R401', 'ERR_KEY_UNUSABLE')
  },
)

eachLayer(CONFIGURABLE_LAYERS, '#48 a throwing claims check → R401, never 500', async (layer) => {
  const { idp } = world()
  const options: TargetOptions = { check: () => bug() }
  const t = await makeTarget(layer, world(), options)
  const probe = await t.send({ token: await idp.sign() })
  expectNo500(probe)
  expectRejected(probe, 'R401', 'ERR_CLAIM_INVALID')
})

const PUBLIC_MEMBERS: Record<string, string[]> = {
  RSA: ['kty', 'kid', 'use', 'alg', 'key_ops', 'n', 'e', 'x5c', 'x5t', 'x5t#S256'],
  EC: ['kty', 'kid', 'use', 'alg', 'key_ops', 'crv', 'x', 'y', 'x5c', 'x5t', 'x5t#S256'],
  OKP: ['kty', 'kid', 'use', 'alg', 'key_ops', 'crv', 'x', 'x5c', 'x5t', 'x5t#S256'],
}

eachLayer(
  ['gateway'],
  '#49 re-served JWKS: public members per kty only, no oct, enc or broken keys, jwk-set+json',
  async (layer) => {
    const { idp } = world()
    const privateKeys = idp
      .privateJwks()
      .keys.map((k) => ({ ...k, ext: true, custom: 'x', oth: [{ r: 'AQ' }] }))
    const [rsa, ec] = idp.publicJwks().keys
    idp.serveJwks({
      keys: [
        ...privateKeys,
        { kty: 'oct', kid: 'hmac', k: 'c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0' },
        { ...rsa, kid: 'for-encryption', use: 'enc', alg: undefined },
        { ...ec, kid: 'wraps-keys', alg: undefined, key_ops: ['wrapKey'] },
        { kty: 'RSA', kid: 'no-modulus', e: 'AQAB' },
        { kty: 'EC', kid: 'no-y', crv: 'P-256', x: ec?.x },
        { kty: 'XYZ', kid: 'unknown-kty' },
      ],
    })
    const t = await makeTarget(layer, world())
    const published = await t.send({ path: '/.well-known/jwks.json' })
    expect(published.status).toBe(200)
    expect(published.contentType).toBe('application/jwk-set+json')
    const { keys } = JSON.parse(published.body) as { keys: Record<string, unknown>[] }
    expect(keys.map((k) => k.kid).sort()).toEqual(idp.keys.map((k) => k.kid).sort())
    for (const key of keys) {
      const allowed = PUBLIC_MEMBERS[String(key.kty)] ?? []
      expect(
        Object.keys(key).filter((member) => !allowed.includes(member)),
        String(key.kid),
      ).toEqual([])
    }
    expect(keys.find((k) => k.kty === 'RSA')).toMatchObject({ n: rsa?.n, e: rsa?.e })
    for (const secret of privateKeys.flatMap((k) => [k.d, k.p, k.q, k.dp, k.dq, k.qi])) {
      if (secret !== undefined) expect(published.body).not.toContain(secret)
    }
    expect(published.body).not.toContain('c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0')
  },
)
