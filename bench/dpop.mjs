#!/usr/bin/env node
// `node bench/dpop.mjs` (after `npm run build`): what a DPoP proof check and the replay store
// cost per request, next to a plain bearer verification, in one run, interleaved. In-process:
// the test issuer's fetch, no network. Prints a table; see bench/README.md.
import { generateKeyPair, generateProof } from 'dpop'
import { createRequestVerifier, MemoryReplayStore } from '../dist/index.js'
import { createTestIssuer } from '../dist/testing/index.js'

const ROUNDS = 3
const PER_CELL = 1500
const URL_ = 'https://api.example.com/orders'

const idp = await createTestIssuer({ algorithms: ['ES256'] })
const client = await generateKeyPair('ES256')
const { calculateThumbprint } = await import('dpop')
const jkt = await calculateThumbprint(client.publicKey)
const plainToken = await idp.sign({ sub: 'bench' }, { expiresInSeconds: 3600 })
const boundToken = await idp.sign({ sub: 'bench', cnf: { jkt } }, { expiresInSeconds: 3600 })
const base = { issuer: idp.issuer, audience: idp.audience, fetch: idp.fetch }

const bearer = createRequestVerifier(base)
const dpop = createRequestVerifier({ ...base, dpop: { replayStore: new MemoryReplayStore() } })
const bearerHeaders = new Headers({ authorization: `Bearer ${plainToken}` })
await bearer.verify({ method: 'GET', url: URL_, headers: bearerHeaders })

/** One fresh proof per request: the replay store refuses a second use. */
async function proofs(count) {
  return Promise.all(
    Array.from({ length: count }, () => generateProof(client, URL_, 'GET', undefined, boundToken)),
  )
}

async function time(label, run) {
  const start = process.hrtime.bigint()
  for (let i = 0; i < PER_CELL; i += 1) await run(i)
  const ns = Number(process.hrtime.bigint() - start) / PER_CELL
  return { label, us: ns / 1000 }
}

/** The floor of any proof check: import the proof's key and verify its ES256 signature. */
async function floorCell() {
  const pool = await proofs(PER_CELL)
  const split = pool.map((proof) => {
    const [h, p, sig] = proof.split('.')
    const header = JSON.parse(Buffer.from(h, 'base64url').toString())
    return {
      jwk: header.jwk,
      data: new TextEncoder().encode(`${h}.${p}`),
      sig: Buffer.from(sig, 'base64url'),
    }
  })
  const alg = { name: 'ECDSA', namedCurve: 'P-256' }
  return time('floor', async (i) => {
    const { jwk, data, sig } = split[i]
    const key = await crypto.subtle.importKey('jwk', jwk, alg, false, ['verify'])
    if (!(await crypto.subtle.verify({ name: 'ECDSA', hash: 'SHA-256' }, key, sig, data)))
      throw new Error('bad')
  })
}

const cells = {
  'floor: import the proof key + one ES256 verify': floorCell,
  'bearer (cached token)': async () =>
    time('bearer', () => bearer.verify({ method: 'GET', url: URL_, headers: bearerHeaders })),
  'DPoP (cached token + proof + memory replay store)': async () => {
    const pool = await proofs(PER_CELL)
    return time('dpop', (i) =>
      dpop.verify({
        method: 'GET',
        url: URL_,
        headers: new Headers({ authorization: `DPoP ${boundToken}`, dpop: pool[i] }),
      }),
    )
  },
  'MemoryReplayStore.remember (100k held)': async () => {
    const store = new MemoryReplayStore()
    const until = Date.now() + 60_000
    for (let i = 0; i < 100_000; i += 1) await store.remember(`warm:${i}`, until)
    const ids = Array.from({ length: PER_CELL }, () => crypto.randomUUID())
    return time('store', (i) => store.remember(ids[i], until))
  },
}

const results = Object.fromEntries(Object.keys(cells).map((name) => [name, []]))
for (let round = 0; round < ROUNDS; round += 1) {
  for (const [name, cell] of Object.entries(cells)) results[name].push((await cell()).us)
}
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]
const bearerUs = median(results['bearer (cached token)'])
const floorUs = median(results['floor: import the proof key + one ES256 verify'])
console.log(
  `| measured (Node ${process.version}, ${ROUNDS} rounds × ${PER_CELL}, median) | µs/request | × bearer | × floor |`,
)
console.log('| --- | --- | --- | --- |')
for (const [name, values] of Object.entries(results)) {
  const us = median(values)
  console.log(`| ${name} | ${us.toFixed(1)} | ${(us / bearerUs).toFixed(2)} | ${(us / floorUs).toFixed(2)} |`)
}
