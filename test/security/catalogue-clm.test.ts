import { expect } from 'vitest'
import type { JwtAuthErrorCode } from '../../src/index.js'
import { createTestIssuer, type TestIssuer } from '../../src/testing/index.js'
import { expectAccepted, expectFetches, expectRejected, NF } from './support/expect.js'
import { claims, parts, signRaw } from './support/forge.js'
import { CONFIGURABLE_LAYERS, makeTarget, TOKEN_LAYERS } from './support/layers.js'
import { eachLayer, useWorld } from './support/suite.js'
import { nowSeconds } from './support/world.js'

// docs/SECURITY.md row 33–40 (clm): claims are checked after the signature, on a warm cache, with no
// fetch; every failure is the same generic 401.
const world = useWorld({ algorithms: ['RS256'] })
const YEAR = 365 * 24 * 3600

eachLayer(
  TOKEN_LAYERS,
  '#33 exp == now (tolerance 0) and exp = now − leeway − 1 → R401; exp = now − leeway + 1 passes',
  async (layer) => {
    const { idp } = world()
    const strict = await makeTarget(layer, world(), { clockToleranceSeconds: 0 })
    await strict.warm()
    const now = nowSeconds(world())
    expectRejected(await strict.send({ token: await idp.sign({ exp: now }) }), 'R401', 'ERR_TOKEN_EXPIRED')
    expectAccepted(await strict.send({ token: await idp.sign({ exp: now + 1 }) }))
    const t = await makeTarget(layer, world())
    await t.warm()
    for (const exp of [now - 31, now - 30]) {
      expectRejected(await t.send({ token: await idp.sign({ exp }) }), 'R401', 'ERR_TOKEN_EXPIRED')
    }
    expectAccepted(await t.send({ token: await idp.sign({ exp: now - 29 }) }))
    expectFetches(world(), NF)
  },
)

eachLayer(
  TOKEN_LAYERS,
  '#34 nbf = now + leeway + 1, iat > now + leeway → R401; nbf = now + leeway passes',
  async (layer) => {
    const { idp } = world()
    const t = await makeTarget(layer, world())
    await t.warm()
    const now = nowSeconds(world())
    expectRejected(
      await t.send({ token: await idp.sign({ nbf: now + 31 }) }),
      'R401',
      'ERR_TOKEN_NOT_YET_VALID',
    )
    expectRejected(
      await t.send({ token: await idp.sign({ iat: now + 31 }) }),
      'R401',
      'ERR_TOKEN_NOT_YET_VALID',
    )
    expectAccepted(await t.send({ token: await idp.sign({ nbf: now + 30, iat: now + 30 }) }))
    expectFetches(world(), NF)
  },
)

eachLayer(TOKEN_LAYERS, '#35 no exp, and exp 1e309 (Infinity after JSON.parse) → R401', async (layer) => {
  const { idp } = world()
  const t = await makeTarget(layer, world())
  await t.warm()
  expectRejected(await t.send({ token: await idp.sign({ exp: undefined }) }), 'R401', 'ERR_CLAIM_INVALID')
  const text = JSON.stringify(claims(idp, world().clock.now(), { exp: 4_000_000_000 })).replace(
    '4000000000',
    '1e309',
  )
  const infinite = await signRaw(idp, 'RS256', { alg: 'RS256', kid: idp.keys[0]?.kid }, text)
  expectRejected(await t.send({ token: infinite }), 'R401', 'ERR_CLAIM_INVALID')
  expectFetches(world(), NF)
})

eachLayer(
  CONFIGURABLE_LAYERS,
  '#35 exp − iat beyond a max lifetime → R401 (maxTokenAgeSeconds, or at once with check)',
  async (layer) => {
    const { idp } = world()
    const now = nowSeconds(world())
    const byAge = await makeTarget(layer, world(), { maxTokenAgeSeconds: 3600 })
    await byAge.warm()
    // jose grants the clock tolerance (30 s) on the age too.
    const decade = { iat: now - 3600 - 31, exp: now + 10 * YEAR }
    expectRejected(await byAge.send({ token: await idp.sign(decade) }), 'R401', 'ERR_CLAIM_INVALID')
    expectRejected(
      await byAge.send({ token: await idp.sign({ iat: undefined }) }),
      'R401',
      'ERR_CLAIM_INVALID',
    )
    expectAccepted(await byAge.send({ token: await idp.sign({ iat: now - 60 }) }))
    const check = (payload: { exp?: number; iat?: number }) =>
      typeof payload.exp === 'number' && typeof payload.iat === 'number' && payload.exp - payload.iat <= 3600
    const byLifetime = await makeTarget(layer, world(), { check })
    await byLifetime.warm()
    const longLived = await idp.sign({ iat: now, exp: now + 10 * YEAR })
    expectRejected(await byLifetime.send({ token: longLived }), 'R401', 'ERR_CLAIM_INVALID')
    expectFetches(world(), NF)
  },
)

eachLayer(TOKEN_LAYERS, '#36 exp/nbf/iat as "9999999999", true, null, [] → R401', async (layer) => {
  const { idp } = world()
  const t = await makeTarget(layer, world())
  await t.warm()
  for (const claim of ['exp', 'nbf', 'iat']) {
    for (const value of ['9999999999', true, null, [], {}]) {
      const token = await idp.sign({ [claim]: value } as Record<string, never>)
      expectRejected(await t.send({ token }), 'R401', 'ERR_CLAIM_INVALID')
    }
  }
  expectFetches(world(), NF)
})

eachLayer(
  TOKEN_LAYERS,
  '#37 iss with a trailing slash, other case, :443, missing, an array → R401 (exact match)',
  async (layer) => {
    const { idp } = world()
    const t = await makeTarget(layer, world())
    await t.warm()
    const cases: [unknown, JwtAuthErrorCode][] = [
      [`${idp.issuer}/`, 'ERR_ISSUER_UNKNOWN'],
      [idp.issuer.toUpperCase(), 'ERR_ISSUER_UNKNOWN'],
      [idp.issuer.replace('https://issuer.test', 'https://ISSUER.test'), 'ERR_ISSUER_UNKNOWN'],
      [`${idp.issuer}:443`, 'ERR_ISSUER_UNKNOWN'],
      [undefined, 'ERR_CLAIM_INVALID'],
      [[idp.issuer], 'ERR_ISSUER_UNKNOWN'],
    ]
    for (const [iss, code] of cases) {
      expectRejected(
        await t.send({ token: await idp.sign({ iss } as unknown as Record<string, never>) }),
        'R401',
        code,
      )
    }
    expectFetches(world(), NF)
  },
)

eachLayer(
  TOKEN_LAYERS,
  '#38 aud missing, another API, ["other"], {} → R401; an array holding ours passes',
  async (layer) => {
    const { idp } = world()
    const t = await makeTarget(layer, world())
    await t.warm()
    const cases: [unknown, JwtAuthErrorCode][] = [
      [undefined, 'ERR_CLAIM_INVALID'],
      ['https://other-api.test', 'ERR_AUDIENCE_MISMATCH'],
      [['other'], 'ERR_AUDIENCE_MISMATCH'],
      [{}, 'ERR_AUDIENCE_MISMATCH'],
      [[], 'ERR_AUDIENCE_MISMATCH'],
    ]
    for (const [aud, code] of cases) {
      expectRejected(
        await t.send({ token: await idp.sign({ aud } as unknown as Record<string, never>) }),
        'R401',
        code,
      )
    }
    expectAccepted(await t.send({ token: await idp.sign({ aud: ['other', idp.audience] }) }))
    expectFetches(world(), NF)
  },
)

let issuerB: Promise<TestIssuer> | undefined

eachLayer(
  TOKEN_LAYERS,
  "#39 two issuers: iss=A with a kid only in B's JWKS, validly B-signed → R401 (keys per issuer)",
  async (layer) => {
    const { idp, clock } = world()
    issuerB ??= createTestIssuer({
      issuer: 'https://issuer-b.test',
      audience: idp.audience,
      now: () => clock.now(),
    })
    const b = await issuerB
    world().others.push(b)
    const t = await makeTarget(layer, world(), { issuers: [idp.issuer, b.issuer] })
    await t.warm()
    await t.warm(await b.sign())
    const crossed = await b.sign({ iss: idp.issuer })
    expectRejected(await t.send({ token: crossed }), 'R401', 'ERR_KEY_NOT_FOUND')
    // Only A's set was asked again (the kid might have rotated in there); B's never.
    expect({ a: idp.counts.jwks, b: b.counts.jwks }).toEqual({ a: 1, b: 0 })
    const borrowedKid = await b.sign({ iss: idp.issuer }, { kid: idp.keys[0]?.kid ?? null })
    expectRejected(await t.send({ token: borrowedKid }), 'R401', 'ERR_SIGNATURE_INVALID')
    expectRejected(
      await t.send({ token: await b.sign({ iss: 'https://c.test' }) }),
      'R401',
      'ERR_ISSUER_UNKNOWN',
    )
    expect({ a: idp.counts.jwks, b: b.counts.jwks }).toEqual({ a: 1, b: 0 })
    expectAccepted(await t.send({ token: await b.sign() }))
  },
)

eachLayer(
  TOKEN_LAYERS,
  '#40 bad signature and expired → the same R401, code = signature (no claim oracle)',
  async (layer) => {
    const { idp } = world()
    const t = await makeTarget(layer, world())
    await t.warm()
    const [h, p] = parts(await idp.sign({ exp: nowSeconds(world()) - 3600 }))
    const [, , otherSignature] = parts(await idp.sign({ sub: 'someone-else' }))
    const probe = await t.send({ token: `${h}.${p}.${otherSignature}` })
    expectRejected(probe, 'R401', 'ERR_SIGNATURE_INVALID')
    const expired = await t.send({ token: await idp.sign({ exp: nowSeconds(world()) - 3600 }) })
    expectRejected(expired, 'R401', 'ERR_TOKEN_EXPIRED')
    expect([probe.status, probe.challenge, probe.body]).toEqual([
      expired.status,
      expired.challenge,
      expired.body,
    ])
    expectFetches(world(), NF)
  },
)
