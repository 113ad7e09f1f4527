// node --expose-gc memory-child.mjs <snapshot dir> <token count>
// Heap of one verifier (default options) after N distinct valid ES256 tokens, and how many
// verified tokens its cache still holds: re-verifying the newest tokens first, every cache hit
// skips `crypto.subtle.verify`, so the count of verifications before the first real one is the
// number of entries kept. Prints one JSON object on stdout.
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { runPool } from './pool.mjs'
import { accessClaims, rng } from './tokens.mjs'

const [dir, countArg] = process.argv.slice(2)
const total = Number.parseInt(countArg ?? '100000', 10)
const BATCH = 1000
const KEEP = 12 // batches kept for the probe: more tokens than the cache may hold
const ALG = 'ES256'
const AUDIENCE = 'https://api.example.com'
const dist = (rel) => import(pathToFileURL(join(dir, 'dist', rel)).href)

if (typeof globalThis.gc !== 'function') throw new Error('run with --expose-gc')
const { startTestIssuerServer } = await dist('testing/node.js')
const { createVerifier } = await dist('index.js')

let subtleVerifies = 0
const subtle = globalThis.crypto.subtle
const originalVerify = subtle.verify
subtle.verify = function countedVerify(...args) {
  subtleVerifies++
  return originalVerify.apply(this, args)
}

function heapMiB() {
  globalThis.gc()
  globalThis.gc()
  return Math.round((process.memoryUsage().heapUsed / 1048576) * 10) / 10
}

async function signBatch(issuer, random, first, padding) {
  const tokens = new Array(BATCH)
  let next = 0
  const worker = async () => {
    while (next < BATCH) {
      const i = next++
      const claims = accessClaims(first + i, random)
      if (padding > 0) claims.groups = Array.from({ length: padding }, (_, g) => `group-${g}-${first + i}`)
      tokens[i] = await issuer.sign(claims, { alg: ALG, expiresInSeconds: 3600 })
    }
  }
  await Promise.all(Array.from({ length: 8 }, worker))
  return tokens
}

/** Feeds `count` tokens to a fresh verifier; returns heap checkpoints and the probe. */
async function run(issuer, count, padding, checkpoints) {
  const verifier = createVerifier({ issuer: issuer.issuer, audience: AUDIENCE })
  const random = rng(99 + padding)
  const [warm] = await signBatch(issuer, random, -BATCH, padding)
  await verifier.verify(warm)
  const kept = []
  const heap = [{ tokens: 0, heapMiB: heapMiB() }]
  let errors = 0
  let lengthSum = 0
  for (let done = 0; done < count; done += BATCH) {
    const tokens = await signBatch(issuer, random, done, padding)
    for (const t of tokens) lengthSum += t.length
    kept.push(tokens)
    if (kept.length > KEEP) kept.shift()
    const pass = await runPool({ sequence: tokens, next: 0 }, 16, (t) => verifier.verify(t), 600_000)
    errors += pass.errors
    if (checkpoints.includes(done + BATCH)) {
      const keptMiB = kept.flat().reduce((sum, t) => sum + t.length, 0) / 1048576
      heap.push({ tokens: done + BATCH, heapMiB: heapMiB(), heldByHarnessMiB: Math.round(keptMiB * 10) / 10 })
    }
  }
  // Probe: newest first; stop at the first token that needs a signature check.
  const newestFirst = kept.flat().reverse()
  let retained = 0
  let retainedLength = 0
  for (const token of newestFirst) {
    const before = subtleVerifies
    await verifier.verify(token)
    if (subtleVerifies !== before) break
    retained++
    retainedLength += token.length
  }
  return {
    tokens: count,
    averageTokenLength: Math.round(lengthSum / count),
    errors,
    heap,
    retainedEntries: retained,
    retainedTokenMiB: Math.round((retainedLength / 1048576) * 100) / 100,
    probedNewest: newestFirst.length,
  }
}

const server = await startTestIssuerServer({ algorithms: [ALG], audience: AUDIENCE })
try {
  const checkpoints = [1000, 5000, 10_000, 20_000, 50_000, 100_000, total].filter((n) => n <= total)
  const realistic = await run(server.issuer, total, 0, checkpoints)
  // Tokens of ~4 KiB (a long `groups` claim): the 8 MiB bound must stop the cache before 10 000 entries.
  const largeCount = Math.min(total, 20_000)
  const large = await run(server.issuer, largeCount, 120, [largeCount])
  process.stdout.write(`${JSON.stringify({ algorithm: ALG, realistic, large })}\n`)
} finally {
  await server.close()
}
