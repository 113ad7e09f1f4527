// The bench Worker: runs inside workerd (bundled with esbuild against the snapshot of dist/, see
// ../lib/workerd.mjs). Its caller uploads tokens untimed, warms a client untimed, then times
// `/run?n=N` against `/run?n=0`: the difference is what N verifications (or N gateway requests
// through a service binding) cost in this isolate. Every loop is bounded by the request's `n`.

import { createRemoteJWKSet, importJWK, jwtVerify } from 'jose'
import { createVerifier } from 'jwks-gateway-dist'

const MAX_N = 100_000
const sets = new Map()
const clients = new Map()
let settings

const FLOOR = {
  RS256: { import: { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' }, verify: { name: 'RSASSA-PKCS1-v1_5' } },
  ES256: { import: { name: 'ECDSA', namedCurve: 'P-256' }, verify: { name: 'ECDSA', hash: 'SHA-256' } },
  EdDSA: { import: { name: 'Ed25519' }, verify: { name: 'Ed25519' } },
}
const encoder = new TextEncoder()
/** tokenCacheSize per core variant: the default, none, and a small one that the walk fills. */
const CORE_CACHE_SIZES = { core: undefined, 'core-nocache': 0, 'core-full': 64 }

function base64urlBytes(segment) {
  const binary = atob(segment.replace(/-/g, '+').replace(/_/g, '/'))
  return Uint8Array.from(binary, (c) => c.charCodeAt(0))
}

/** The floor's inputs, split when the tokens are uploaded (untimed), as the Node floor does. */
const material = new Map()
function split(token) {
  const dot = token.lastIndexOf('.')
  return { data: encoder.encode(token.slice(0, dot)), signature: base64urlBytes(token.slice(dot + 1)) }
}

async function publicJwk(alg) {
  const response = await fetch(settings.jwksUri)
  const { keys } = await response.json()
  return keys.find((key) => key.alg === alg)
}

/**
 * A client per (impl, alg), built on first use (its key fetch and import are untimed: the caller
 * warms every client first). `core`: our verifier; `core-nocache`: the same, tokenCacheSize 0;
 * `core-full`: tokenCacheSize 64, full after the warm-up (a busy server's steady state);
 * `jose`: createRemoteJWKSet + jwtVerify; `jose-key`: jwtVerify with an imported key; `floor`:
 * crypto.subtle.verify on the pre-split token; `digest`: the verified-token cache's key as the
 * core computes it without node:crypto (SHA-256 of the token, as a binary string); `digest-node`:
 * the same through node:crypto's createHash, the core's path where `process.getBuiltinModule` exists.
 */
async function client(impl, alg) {
  const id = `${impl}:${alg}`
  let verify = clients.get(id)
  if (verify !== undefined) return verify
  const { issuer, audience, jwksUri } = settings
  if (impl in CORE_CACHE_SIZES) {
    const size = CORE_CACHE_SIZES[impl]
    const verifier = createVerifier({
      issuer,
      audience,
      ...(size === undefined ? {} : { tokenCacheSize: size }),
    })
    verify = (token) => verifier.verify(token)
  } else if (impl === 'jose') {
    const jwks = createRemoteJWKSet(new URL(jwksUri))
    verify = (token) => jwtVerify(token, jwks, { issuer, audience })
  } else if (impl === 'jose-key') {
    const key = await importJWK(await publicJwk(alg), alg)
    verify = (token) => jwtVerify(token, key, { issuer, audience })
  } else if (impl === 'floor') {
    const key = await crypto.subtle.importKey('jwk', await publicJwk(alg), FLOOR[alg].import, false, [
      'verify',
    ])
    verify = async (token) => {
      const input = material.get(token) ?? split(token)
      if (!(await crypto.subtle.verify(FLOOR[alg].verify, key, input.signature, input.data)))
        throw new Error('signature mismatch')
    }
  } else if (impl === 'digest') {
    verify = async (token) =>
      String.fromCharCode(...new Uint8Array(await crypto.subtle.digest('SHA-256', encoder.encode(token))))
  } else if (impl === 'digest-node') {
    // What the core's tokenDigest uses where process.getBuiltinModule exists (nodejs_compat).
    const nodeCrypto = globalThis.process?.getBuiltinModule?.('node:crypto')
    if (nodeCrypto === undefined) throw new Error('no process.getBuiltinModule here')
    verify = async (token) => nodeCrypto.createHash('sha256').update(token).digest('latin1')
  } else if (impl === 'digest-node-hash') {
    // node:crypto's one-shot hash() (Node ≥ 21.7), where the runtime has it.
    const hash = globalThis.process?.getBuiltinModule?.('node:crypto')?.hash
    if (typeof hash !== 'function') throw new Error('no node:crypto hash() here')
    verify = async (token) => hash('sha256', token, 'latin1')
  } else throw new Error(`unknown impl ${impl}`)
  clients.set(id, verify)
  return verify
}

/** One gateway (or passthrough) request through the service binding; the body is read. */
async function viaBinding(binding, token) {
  const response = await binding.fetch('https://gateway.bench/api/orders', {
    headers: { authorization: `Bearer ${token}` },
  })
  await response.arrayBuffer()
  if (response.status !== 200) throw new Error(`HTTP ${response.status}`)
}

export default {
  async fetch(request, env) {
    const url = new URL(request.url)
    const q = (name) => url.searchParams.get(name) ?? ''
    try {
      switch (url.pathname) {
        case '/setup':
          settings = await request.json()
          clients.clear()
          return new Response('ok')
        case '/tokens': {
          const { name, tokens } = await request.json()
          sets.set(name, tokens)
          for (const token of tokens) material.set(token, split(token))
          return new Response(String(tokens.length))
        }
        case '/run': {
          const tokens = sets.get(q('set')) ?? []
          const n = Math.min(MAX_N, Number(q('n')))
          const from = Number(q('from'))
          const target = q('target')
          const op =
            target === 'verify'
              ? await client(q('impl'), q('alg'))
              : (token) => viaBinding(target === 'gateway' ? env.GATEWAY : env.PASSTHROUGH, token)
          for (let i = 0; i < n; i++) await op(tokens[(from + i) % tokens.length])
          return new Response(String(n))
        }
        default:
          return new Response('not found', { status: 404 })
      }
    } catch (error) {
      return new Response(`${error?.code ?? error?.name}: ${error?.message}`, { status: 500 })
    }
  },
}
