// Realistic access tokens (an IdP's RFC 9068-like claim set, ~0.7-1 KB) and the floor's inputs.

export const ALGORITHMS = ['RS256', 'ES256', 'EdDSA']

/** mulberry32: a seeded PRNG, so every run shuffles the same way. */
export function rng(seed) {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

export function shuffle(items, random) {
  const out = [...items]
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1))
    ;[out[i], out[j]] = [out[j], out[i]]
  }
  return out
}

function hex(random, n) {
  let s = ''
  for (let i = 0; i < n; i++) s += Math.floor(random() * 16).toString(16)
  return s
}

function uuid(random) {
  return `${hex(random, 8)}-${hex(random, 4)}-4${hex(random, 3)}-a${hex(random, 3)}-${hex(random, 12)}`
}

/** The claims of the i-th user's token: what an Auth0/Okta/Entra access token carries. */
export function accessClaims(i, random) {
  const now = Math.floor(Date.now() / 1000)
  return {
    sub: `auth0|${hex(random, 24)}`,
    jti: uuid(random),
    sid: uuid(random),
    nbf: now - 5,
    auth_time: now - 60 - (i % 3600),
    scope: 'openid profile email read:orders write:orders read:invoices offline_access',
    client_id: 'web-checkout-7f3a9c2e',
    azp: 'web-checkout-7f3a9c2e',
    email: `customer.${i}@example.com`,
    email_verified: true,
    roles: ['customer', i % 7 === 0 ? 'support' : 'beta-tester'],
    amr: ['pwd', 'mfa'],
    'https://api.example.com/org_id': `org_${hex(random, 16)}`,
    'https://api.example.com/tenant': 'acme-eu-1',
  }
}

/** Lifetime of benchmark tokens: long enough to outlast a run (and the outage test's clock jump). */
export const TOKEN_LIFETIME_SECONDS = 4 * 3600

/** Signs `count` distinct tokens with `alg`, a few at a time (WebCrypto signs on the thread pool). */
export async function signPool(issuer, alg, count, seed, options = {}) {
  const random = rng(seed)
  const claims = Array.from({ length: count }, (_, i) => accessClaims(i, random))
  const out = new Array(count)
  let next = 0
  const worker = async () => {
    while (next < count) {
      const i = next++
      out[i] = await issuer.sign(claims[i], {
        alg,
        expiresInSeconds: TOKEN_LIFETIME_SECONDS,
        ...options,
      })
    }
  }
  await Promise.all(Array.from({ length: 8 }, worker))
  return out
}

const decoder = new TextEncoder()

function base64urlBytes(segment) {
  return new Uint8Array(Buffer.from(segment, 'base64url'))
}

export const FLOOR_PARAMS = {
  RS256: { import: { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' }, verify: { name: 'RSASSA-PKCS1-v1_5' } },
  ES256: { import: { name: 'ECDSA', namedCurve: 'P-256' }, verify: { name: 'ECDSA', hash: 'SHA-256' } },
  EdDSA: { import: { name: 'Ed25519' }, verify: { name: 'Ed25519' } },
}

/** The floor's inputs: the signing input bytes and raw signature of each token, split ahead of time. */
export function floorMaterial(tokens) {
  const map = new Map()
  for (const token of tokens) {
    const dot = token.lastIndexOf('.')
    map.set(token, {
      data: decoder.encode(token.slice(0, dot)),
      signature: base64urlBytes(token.slice(dot + 1)),
    })
  }
  return map
}

/** The same token with one signature character changed: must be rejected by every column. */
export function tamper(token) {
  const i = token.length - 5
  return token.slice(0, i) + (token[i] === 'A' ? 'B' : 'A') + token.slice(i + 1)
}
