// DPoP in the gateway under `wrangler dev` (workerd, echo mode) against a local issuer: what the
// replay store costs per request when it is the DPOP_REPLAY Durable Object. One Worker
// (bench/gateway/dpop) holds three gateways of the root Worker's code; requests go to them in
// turns, one at a time over loopback keep-alive, so the three see the same (noisy) machine:
//   bearer  DPOP=off, a plain token;
//   do      DPOP=on, a cnf.jkt-bound token and a fresh proof, replay check by the Durable Object;
//   memory  the same, the replay check answered from memory behind the same store interface.
// do − memory is the Durable Object's share; memory − bearer is the proof check's.
import { loadavg } from 'node:os'
import { join } from 'node:path'
import { BENCH_DIR, firstLine } from './env.mjs'
import { startWrangler } from './gateway.mjs'
import { waitForStatus } from './processes.mjs'

const AUDIENCE = 'https://api.example.com'
const READY_TIMEOUT_MS = 90_000
const REQUEST_TIMEOUT_MS = 10_000
const VARIANTS = ['bearer', 'do', 'memory']

async function timed(url, headers) {
  const start = process.hrtime.bigint()
  const response = await fetch(url, { headers, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) })
  await response.arrayBuffer()
  const ms = Number(process.hrtime.bigint() - start) / 1e6
  return { ms, status: response.status, reason: response.headers.get('www-authenticate') }
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted.length === 0 ? NaN : sorted[(sorted.length - 1) >> 1]
}
const quantile = (values, q) => {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]
}
const round = (n) => Math.round(n * 1000) / 1000

/**
 * @param {{ snap, config: { dpopRounds: number, dpopPerRound: number }, log: (line: string) => void }} ctx
 */
export async function runDpopGateway({ snap, config, log }) {
  if (!snap.has('worker/index.js')) return { skipped: 'dist/worker/index.js not built yet' }
  let dpop
  try {
    dpop = await import('dpop')
  } catch (error) {
    return { skipped: `the dpop package is not installed at the root: ${firstLine(error)}` }
  }
  const { startTestIssuerServer } = await snap.dist('testing/node.js')
  const server = await startTestIssuerServer({ algorithms: ['ES256'], audience: AUDIENCE })
  let worker
  try {
    const client = await dpop.generateKeyPair('ES256')
    const jkt = await dpop.calculateThumbprint(client.publicKey)
    const sign = (claims) => server.issuer.sign(claims, { alg: 'ES256', expiresInSeconds: 3600 })
    const plainToken = await sign({ sub: 'bench' })
    const boundToken = await sign({ sub: 'bench', cnf: { jkt } })
    worker = await startWrangler(
      join(BENCH_DIR, 'gateway', 'dpop', 'wrangler.toml'),
      { ISSUER: server.url, AUDIENCE },
      log,
    )
    await waitForStatus(`${worker.url}/healthz`, 200, READY_TIMEOUT_MS).catch((error) => {
      throw new Error(`${error.message}\n${worker.output()}`)
    })
    const urls = Object.fromEntries(VARIANTS.map((v) => [v, `${worker.url}/${v}/orders`]))
    const proof = (variant) => dpop.generateProof(client, urls[variant], 'GET', undefined, boundToken)
    const headersFor = async (variant, proofs) =>
      variant === 'bearer'
        ? { authorization: `Bearer ${plainToken}` }
        : { authorization: `DPoP ${boundToken}`, dpop: proofs ?? (await proof(variant)) }

    // Sanity: each variant accepts its request, and the DO refuses a replayed proof.
    const replayed = await proof('do')
    const sanity = {
      bearer: (await timed(urls.bearer, await headersFor('bearer'))).status,
      do: (await timed(urls.do, await headersFor('do', replayed))).status,
      doReplayed: (await timed(urls.do, await headersFor('do', replayed))).status,
      memory: (await timed(urls.memory, await headersFor('memory'))).status,
    }
    log(`dpop gateway: sanity ${JSON.stringify(sanity)}`)
    if (sanity.bearer !== 200 || sanity.do !== 200 || sanity.memory !== 200 || sanity.doReplayed !== 401) {
      const why = await timed(urls.do, await headersFor('do'))
      return { skipped: 'sanity check failed', sanity, lastChallenge: why.reason }
    }

    const { dpopRounds: rounds, dpopPerRound: perRound } = config
    const samples = Object.fromEntries(VARIANTS.map((v) => [v, []]))
    const roundMedians = Object.fromEntries(VARIANTS.map((v) => [v, []]))
    let failures = 0
    const loadBefore = loadavg()
    // Warm-up (the isolate, each gateway's key and token caches, every DO shard), then the
    // rounds. Proofs are made just before each round (the iat window is 60 s), one per request.
    for (let r = -1; r < rounds; r += 1) {
      const count = r < 0 ? Math.min(100, perRound) : perRound
      const proofs = {
        do: await Promise.all(Array.from({ length: count }, () => proof('do'))),
        memory: await Promise.all(Array.from({ length: count }, () => proof('memory'))),
      }
      const headers = Object.fromEntries(
        VARIANTS.map((v) => [
          v,
          v === 'bearer'
            ? Array(count).fill({ authorization: `Bearer ${plainToken}` })
            : proofs[v].map((p) => ({ authorization: `DPoP ${boundToken}`, dpop: p })),
        ]),
      )
      const round_ = Object.fromEntries(VARIANTS.map((v) => [v, []]))
      for (let i = 0; i < count; i += 1) {
        // Rotate who goes first, so no variant always follows the same one.
        for (let k = 0; k < VARIANTS.length; k += 1) {
          const v = VARIANTS[(i + k) % VARIANTS.length]
          const { ms, status } = await timed(urls[v], headers[v][i])
          if (status !== 200) failures += 1
          else round_[v].push(ms)
        }
      }
      if (r < 0) continue
      for (const v of VARIANTS) {
        samples[v].push(...round_[v])
        roundMedians[v].push(median(round_[v]))
      }
      log(
        `dpop gateway: round ${r + 1}/${rounds}, median ms ${VARIANTS.map((v) => `${v} ${median(round_[v]).toFixed(2)}`).join(', ')}`,
      )
    }
    const loadAfter = loadavg()
    const cells = Object.fromEntries(
      VARIANTS.map((v) => [
        v,
        {
          medianMs: round(median(samples[v])),
          p90Ms: round(quantile(samples[v], 0.9)),
          roundMediansMs: roundMedians[v].map(round),
          requests: samples[v].length,
        },
      ]),
    )
    const [b, d, m] = VARIANTS.map((v) => cells[v].medianMs)
    return {
      rounds,
      perRound,
      failures,
      loadAverage: { before: loadBefore.map(round), after: loadAfter.map(round) },
      sanity,
      cells,
      ratios: { doOverBearer: round(d / b), memoryOverBearer: round(m / b), doOverMemory: round(d / m) },
      doShareMs: round(d - m),
      proofShareMs: round(m - b),
    }
  } catch (error) {
    log(`dpop gateway failed: ${firstLine(error)}`)
    return { error: String(error?.message ?? error).slice(0, 2000) }
  } finally {
    await worker?.stop().catch(() => {})
    await server.close()
  }
}
