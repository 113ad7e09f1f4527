// The bench Worker: runs inside workerd (bundled with esbuild against the snapshot of dist/, see
// ../lib/workerd.mjs). Its caller uploads tokens untimed, warms a client untimed, then times
// `/run?n=N` against `/run?n=0`: the difference is what N verifications (or N gateway requests
// through a service binding) cost in this isolate. Every loop is bounded by the request's `n`.

import { createRemoteJWKSet, jwtVerify } from 'jose'
import { createVerifier } from 'jwks-gateway-dist'

const MAX_N = 100_000
const sets = new Map()
const clients = new Map()
let settings

/** A fresh client per (impl, alg): `core` is our verifier, `jose` jose's remote set + jwtVerify. */
function client(impl, alg) {
  const id = `${impl}:${alg}`
  let verify = clients.get(id)
  if (verify !== undefined) return verify
  const { issuer, audience, jwksUri } = settings
  if (impl === 'core') {
    const verifier = createVerifier({ issuer, audience })
    verify = (token) => verifier.verify(token)
  } else if (impl === 'jose') {
    const jwks = createRemoteJWKSet(new URL(jwksUri))
    verify = (token) => jwtVerify(token, jwks, { issuer, audience })
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
          return new Response(String(tokens.length))
        }
        case '/run': {
          const tokens = sets.get(q('set')) ?? []
          const n = Math.min(MAX_N, Number(q('n')))
          const from = Number(q('from'))
          const target = q('target')
          const op =
            target === 'verify'
              ? client(q('impl'), q('alg'))
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
