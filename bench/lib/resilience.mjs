// Resilience: how many JWKS fetches each client makes, and whether it keeps answering, when the
// issuer is cold, stormed with unknown kids, rotated, down, or silent. A separate issuer (RS256),
// so rotations do not touch the throughput keys; every test gets a fresh client.
import { COLUMNS, describeError } from './columns.mjs'
import { firstLine } from './env.mjs'
import { sleep, within } from './pool.mjs'
import { startTlsFront } from './tls-front.mjs'
import { signPool } from './tokens.mjs'

const ALG = 'RS256'
const AUDIENCE = 'https://api.example.com'
/** The JWKS `Cache-Control: max-age` of this issuer. */
const MAX_AGE_SECONDS = 600
/** Peers whose key cache has a configurable lifetime get this one, and we wait it out for real. */
const PEER_TTL_MS = 1000
/** How long a silent JWKS server is waited on before "> cap". */
export const SILENT_CAP_MS = 15_000
/** No single verification in these tests may take longer than this. */
const STEP_CAP_MS = 20_000

async function outcomeOf(client, token, capMs = STEP_CAP_MS) {
  const start = performance.now()
  const settled = await within(
    client.verify(token).then(
      () => ({ ok: true }),
      (error) => ({ ok: false, error: describeError(error) }),
    ),
    capMs,
  )
  const ms = Math.round(performance.now() - start)
  return settled === undefined ? { ok: false, answered: false, ms } : { ...settled, answered: true, ms }
}

function summarize(outcomes) {
  const errors = {}
  for (const o of outcomes) {
    if (!o.ok) {
      const key = o.answered ? o.error : 'no answer'
      errors[key] = (errors[key] ?? 0) + 1
    }
  }
  return { ok: outcomes.filter((o) => o.ok).length, of: outcomes.length, errors }
}

function fetches(issuer) {
  return { jwks: issuer.counts.jwks, discovery: issuer.counts.discovery }
}

export async function runResilience({ snap, columns, quick, log }) {
  const counts = quick
    ? { cold: 20, sequential: 50, concurrent: 20, outage: 10 }
    : { cold: 100, sequential: 1000, concurrent: 200, outage: 10 }
  const { startTestIssuerServer } = await snap.dist('testing/node.js')
  const server = await startTestIssuerServer({
    algorithms: [ALG],
    audience: AUDIENCE,
    maxAgeSeconds: MAX_AGE_SECONDS,
  })
  const cleanups = [() => server.close()]
  try {
    const { issuer } = server
    let tls
    if (columns.some((c) => c.id === 'aws-jwt-verify')) {
      tls = await startTlsFront(server.url).catch((error) => log(`no HTTPS front: ${firstLine(error)}`))
      if (tls !== undefined) cleanups.push(() => tls.close())
    }
    const ctx = {
      snap,
      issuer,
      url: server.url,
      audience: AUDIENCE,
      jwksUri: issuer.jwksUri,
      algorithms: [ALG],
      tls,
    }
    const clients = []
    const unavailable = {}
    for (const column of columns.filter((c) => c.outage !== undefined)) {
      const bound = await column.setup(ctx).catch((error) => ({ error: firstLine(error) }))
      if (bound.error !== undefined) unavailable[column.id] = bound.error
      else {
        clients.push({ column, bound })
        cleanups.push(async () => bound.close?.())
      }
    }

    const [warm, ...valid] = await signPool(issuer, ALG, 1 + counts.cold + 3 * counts.outage, 300)
    const cold = valid.slice(0, counts.cold)
    const outage503 = valid.slice(counts.cold, counts.cold + counts.outage)
    const outageDown = valid.slice(counts.cold + counts.outage, counts.cold + 2 * counts.outage)
    const silentToken = valid[counts.cold + 2 * counts.outage]
    const unknown = await Promise.all(
      Array.from({ length: counts.sequential + counts.concurrent }, (_, i) =>
        issuer.sign({ sub: `user-${i}` }, { alg: ALG, kid: `unknown-kid-${i}`, expiresInSeconds: 3600 }),
      ),
    )
    const sequentialUnknown = unknown.slice(0, counts.sequential)
    const concurrentUnknown = unknown.slice(counts.sequential)

    const results = {}
    for (const { column, bound } of clients) {
      const r = {}
      results[column.id] = r
      log(`resilience: ${column.id}`)

      let client = await bound.create(ALG)
      issuer.resetCounts()
      const coldOutcomes = await Promise.all(cold.map((t) => outcomeOf(client, t)))
      r.cold = { ...fetches(issuer), ...summarize(coldOutcomes) }

      client = await bound.create(ALG)
      await outcomeOf(client, warm)
      issuer.resetCounts()
      const seqStart = performance.now()
      const seqOutcomes = []
      for (const token of sequentialUnknown) {
        seqOutcomes.push(await outcomeOf(client, token))
        if (performance.now() - seqStart > 60_000) break
      }
      r.stormSequential = {
        ...fetches(issuer),
        rejected: seqOutcomes.filter((o) => !o.ok).length,
        of: seqOutcomes.length,
        ms: Math.round(performance.now() - seqStart),
      }

      client = await bound.create(ALG)
      await outcomeOf(client, warm)
      issuer.resetCounts()
      const concOutcomes = await Promise.all(concurrentUnknown.map((t) => outcomeOf(client, t)))
      r.stormConcurrent = {
        ...fetches(issuer),
        rejected: concOutcomes.filter((o) => !o.ok).length,
        of: concOutcomes.length,
      }

      client = await bound.create(ALG)
      await outcomeOf(client, warm)
      issuer.resetCounts()
      const kid = await issuer.rotate({ alg: ALG })
      const rotated = await outcomeOf(client, await issuer.sign({ sub: 'rotated' }, { alg: ALG, kid }))
      r.rotationRightAfterFetch = {
        accepted: rotated.ok,
        ...fetches(issuer),
        ...(rotated.ok ? {} : { error: rotated.error }),
      }
    }

    // Rotation seen after the clients' post-fetch cooldown (jose and express-oauth2-jwt-bearer
    // refetch at most once per `cooldownDuration`, 30 s, after ANY fetch): it is set to 1 s and
    // waited out, the same as a rotation that happens 30 s after the last fetch.
    {
      log('resilience: rotation after the cooldown')
      const warmed = []
      for (const { column, bound } of clients) {
        const client = await bound.create(
          ALG,
          column.cooldown === undefined ? {} : { cooldownMs: PEER_TTL_MS },
        )
        await outcomeOf(client, warm)
        warmed.push({ column, client })
      }
      await sleep(PEER_TTL_MS + 200)
      const kid = await issuer.rotate({ alg: ALG })
      const token = await issuer.sign({ sub: 'rotated-later' }, { alg: ALG, kid })
      for (const { column, client } of warmed) {
        issuer.resetCounts()
        const rotated = await outcomeOf(client, token)
        results[column.id].rotation = {
          accepted: rotated.ok,
          ...fetches(issuer),
          ...(rotated.ok ? {} : { error: rotated.error }),
          ...(column.cooldown === undefined
            ? {}
            : { how: `${column.cooldown} ${PEER_TTL_MS} ms, waited out` }),
        }
      }
    }

    // Outage after max-age: every client warmed, its cache made stale, then the issuer fails.
    for (const [mode, tokens, key] of [
      [{ kind: 'status', status: 503 }, outage503, 'outage503'],
      [{ kind: 'down' }, outageDown, 'outageDown'],
    ]) {
      log(`resilience: ${key}`)
      const live = []
      for (const { column, bound } of clients) {
        const clock = { offsetMs: 0 }
        const how = column.outage
        const client = await bound.create(ALG, how.via === 'ttl' ? { ttlMs: PEER_TTL_MS } : { clock })
        await outcomeOf(client, warm)
        live.push({ column, client, clock })
      }
      if (live.some(({ column }) => column.outage.via === 'ttl')) await sleep(PEER_TTL_MS + 200)
      for (const { clock } of live) clock.offsetMs = (MAX_AGE_SECONDS + 60) * 1000
      issuer.fail(mode, 'all')
      for (const { column, client } of live) {
        const outcomes = []
        for (const token of tokens) outcomes.push(await outcomeOf(client, token))
        results[column.id][key] = { ...summarize(outcomes), ...describeOutage(column.outage) }
      }
      issuer.fail(null)
    }

    if (!quick) {
      log(`resilience: silent JWKS server (cap ${SILENT_CAP_MS / 1000} s)`)
      const cold = []
      for (const { column, bound } of clients) cold.push({ column, client: await bound.create(ALG) })
      issuer.fail({ kind: 'hang' }, 'all')
      const answers = await Promise.all(
        cold.map(({ client }) => outcomeOf(client, silentToken, SILENT_CAP_MS)),
      )
      for (const [i, { column }] of cold.entries()) {
        const a = answers[i]
        results[column.id].silent = a.answered
          ? { answered: true, ms: a.ms, outcome: a.ok ? 'accepted' : a.error }
          : { answered: false, capMs: SILENT_CAP_MS }
      }
      issuer.fail(null)
    }
    return {
      issuer: { algorithm: ALG, maxAgeSeconds: MAX_AGE_SECONDS, peerTtlMs: PEER_TTL_MS },
      counts,
      unavailable,
      results,
    }
  } finally {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {})
  }
}

function describeOutage(how) {
  if (how.via === 'clock')
    return { how: `clock moved ${MAX_AGE_SECONDS + 60} s ahead (max-age ${MAX_AGE_SECONDS} s)` }
  if (how.via === 'ttl') return { how: `${how.option} ${PEER_TTL_MS} ms, waited out` }
  return { how: how.note }
}

export const RESILIENCE_COLUMNS = COLUMNS.filter((c) => c.outage !== undefined).map((c) => c.id)
