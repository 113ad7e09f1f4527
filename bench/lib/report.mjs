// results.json → targets, results.md and throughput.svg (hand-written SVG, no chart library).
import { median } from './pool.mjs'

const ALGS = ['RS256', 'ES256', 'EdDSA']
const CS = ['1', '16']
const HEAD_TO_HEAD = ['hono-jwk', 'jwks-rsa', 'fast-jwt', 'aws-jwt-verify']

function cell(report, scenario, alg, c, id) {
  return report.throughput?.results?.[scenario]?.[alg]?.[c]?.cols?.[id]
}

/** Median over rounds of a/b, each round's two ratios to its own floor. */
function pairedRatio(report, scenario, alg, c, a, b) {
  const x = cell(report, scenario, alg, c, a)
  const y = cell(report, scenario, alg, c, b)
  if (x === undefined || y === undefined) return null
  const n = Math.min(x.ratios.length, y.ratios.length)
  return median(Array.from({ length: n }, (_, i) => x.ratios[i] / y.ratios[i]))
}

const fmt = (x, digits = 2) =>
  x === null || x === undefined || !Number.isFinite(x) ? '–' : x.toFixed(digits)

/** Every target of the issue, with the measured value and whether it is met (null: not measured). */
export function evaluateTargets(report) {
  const targets = []
  const add = (id, text, value, met, detail) =>
    targets.push({ id, text, value, met, ...(detail ? { detail } : {}) })
  for (const alg of ALGS) {
    for (const c of CS) {
      const v = pairedRatio(report, 'distinct', alg, c, 'core', 'jose-key')
      add(
        `core-vs-jose-${alg}-c${c}`,
        `core verify() ≥ 0.95× jose jwtVerify (imported key), distinct, ${alg} c=${c}`,
        v,
        v === null ? null : v >= 0.95,
      )
    }
  }
  for (const alg of ALGS) {
    const hono = cell(report, 'distinct', alg, '16', 'hono')
    for (const peer of HEAD_TO_HEAD) {
      const p = cell(report, 'distinct', alg, '16', peer)
      if (hono === undefined || p === undefined) continue
      const v = pairedRatio(report, 'distinct', alg, '16', 'hono', peer)
      add(`hono-vs-${peer}-${alg}`, `Hono jwksAuth ahead of ${peer}, ${alg} c=16`, v, v > 1)
    }
    const v = pairedRatio(report, 'distinct', alg, '16', 'hono', 'jose-key')
    add(
      `hono-vs-jose-${alg}`,
      `Hono jwksAuth within 15% of bare jose (imported key), ${alg} c=16`,
      v,
      v === null ? null : v >= 0.85,
    )
  }
  for (const alg of ALGS) {
    for (const c of CS) {
      const v = cell(report, 'reuse', alg, c, 'core')?.ratio ?? null
      add(
        `reuse-${alg}-c${c}`,
        `core, 1000 tokens × 20 random order ≥ 5× floor, ${alg} c=${c}`,
        v,
        v === null ? null : v >= 5,
      )
    }
    const v = cell(report, 'repeated', alg, '1', 'core')?.ratio ?? null
    add(`repeated-${alg}`, `core, one repeated token ≥ 10× floor, ${alg} c=1`, v, v === null ? null : v >= 10)
  }
  const res = report.resilience?.results ?? {}
  for (const id of ['core', 'hono', 'express']) {
    const r = res[id]
    if (r === undefined) continue
    add(
      `cold-${id}`,
      `${id}: 100 concurrent cold verifications → 1 JWKS fetch`,
      r.cold.jwks,
      r.cold.jwks === 1 && r.cold.ok === r.cold.of,
    )
    add(
      `storm-seq-${id}`,
      `${id}: 1000 sequential unknown-kid tokens → ≤ 1 fetch`,
      r.stormSequential.jwks,
      r.stormSequential.jwks <= 1,
    )
    add(
      `storm-conc-${id}`,
      `${id}: 200 concurrent unknown-kid tokens → ≤ 1 fetch`,
      r.stormConcurrent.jwks,
      r.stormConcurrent.jwks <= 1,
    )
    add(
      `rotation-${id}`,
      `${id}: rotated key accepted on first sight with 1 fetch`,
      r.rotation.jwks,
      r.rotation.accepted && r.rotation.jwks === 1,
    )
    add(
      `outage-503-${id}`,
      `${id}: IdP 503 after max-age → 10/10 valid tokens`,
      r.outage503.ok,
      r.outage503.ok === r.outage503.of,
    )
    add(
      `outage-down-${id}`,
      `${id}: IdP refusing connections after max-age → 10/10`,
      r.outageDown.ok,
      r.outageDown.ok === r.outageDown.of,
    )
    if (r.silent !== undefined) {
      const answeredInTime = r.silent.answered && r.silent.ms <= 5500
      const ok = id === 'core' ? answeredInTime : answeredInTime && r.silent.outcome === 'HTTP 503'
      add(
        `silent-${id}`,
        `${id}: silent JWKS server → answered${id === 'core' ? '' : ' 503'} within the 5 s timeout`,
        r.silent.answered ? r.silent.ms : null,
        ok,
      )
    }
  }
  for (const alg of ALGS) {
    for (const c of CS) {
      const v = pairedRatio(report, 'distinct', alg, c, 'hono', 'hono-jose')
      if (v === null) continue
      add(
        `hono-vs-handwritten-${alg}-c${c}`,
        `Hono jwksAuth within 10% of a hand-written Hono + jose remote-set middleware, distinct, ${alg} c=${c}`,
        v,
        v >= 0.9,
      )
    }
  }
  const edge = report.workerd?.results
  for (const alg of ALGS) {
    const r = edge?.[alg]
    if (r === undefined) continue
    add(
      `workerd-core-vs-jose-${alg}`,
      `workerd: core first-seen CPU within 5% of jose remote (core / jose ≤ 1.05), ${alg}`,
      r.coreOverJoseDistinct,
      r.coreOverJoseDistinct <= 1.05,
    )
    add(
      `workerd-cached-${alg}`,
      `workerd: core cached ≥ 10× cheaper than first-seen, ${alg}`,
      r.distinctOverCachedCore,
      r.distinctOverCachedCore >= 10,
    )
  }
  if (report.workerd?.error !== undefined)
    add('workerd', 'workerd: CPU per verification measured', null, null, report.workerd.error)
  const glue = report.glue
  if (glue?.glueHonoUs !== undefined) {
    add('glue-hono', 'Hono jwksAuth glue ≤ 2 µs per request', glue.glueHonoUs, glue.glueHonoUs <= 2)
    add(
      'glue-express',
      'Express jwksAuth glue ≤ 2 µs per request',
      glue.glueExpressUs,
      glue.glueExpressUs <= 2,
    )
  } else if (glue !== undefined)
    add('glue-hono', 'Hono jwksAuth glue ≤ 2 µs per request', null, null, glue.skipped ?? glue.error)
  const gw = report.gateway
  if (gw?.ratio !== undefined)
    add('gateway', 'gateway ≥ 0.8× passthrough requests/s', gw.ratio, gw.ratio >= 0.8)
  else add('gateway', 'gateway ≥ 0.8× passthrough requests/s', null, null, gw?.skipped ?? gw?.error)
  const size = report.size
  if (size?.gzipKiB !== undefined)
    add('bundle', 'gateway bundle ≤ 40 KiB gzip', size.gzipKiB, size.gzipKiB <= 40)
  else add('bundle', 'gateway bundle ≤ 40 KiB gzip', null, null, size?.skipped ?? size?.error)
  const mem = report.memory?.realistic
  if (mem !== undefined) {
    add(
      'memory-bound',
      'verified-token cache within 10 000 entries / 8 MiB after 100k tokens, heap flat (≤ 2 MiB from 20k to 100k)',
      report.memory.heapGrowthAfter20kMiB,
      mem.retainedEntries <= 10_000 &&
        mem.retainedTokenMiB <= 8.01 &&
        report.memory.heapGrowthAfter20kMiB <= 2,
    )
  }
  return targets
}

function table(header, rows) {
  const line = (cells) => `| ${cells.join(' | ')} |`
  return [line(header), line(header.map((_, i) => (i === 0 ? '---' : '---:'))), ...rows.map(line)].join('\n')
}

function labelOf(report, id) {
  return report.columns?.find((c) => c.id === id)?.label ?? id
}

function ratioTable(report, scenario, ids) {
  const header = ['', ...ALGS.flatMap((alg) => CS.map((c) => `${alg} c=${c}`))]
  const floorRow = [
    '**floor, verifications/s**',
    ...ALGS.flatMap((alg) =>
      CS.map((c) => {
        const f = report.throughput.results[scenario]?.[alg]?.[c]?.floor?.rate
        return f === undefined || f === null ? '–' : `${Math.round(f)}`
      }),
    ),
  ]
  const rows = ids.map((id) => [
    labelOf(report, id),
    ...ALGS.flatMap((alg) =>
      CS.map((c) => {
        const x = cell(report, scenario, alg, c, id)
        if (x === undefined) return '–'
        return `${fmt(x.ratio)}${x.errors > 0 ? ` (${x.errors} errors)` : ''}`
      }),
    ),
  ])
  return table(header, [floorRow, ...rows])
}

function presentIds(report, scenario) {
  const ids = new Set()
  for (const alg of ALGS)
    for (const c of CS)
      for (const id of Object.keys(report.throughput.results[scenario]?.[alg]?.[c]?.cols ?? {})) ids.add(id)
  return (report.columns ?? []).map((c) => c.id).filter((id) => ids.has(id))
}

function fetchCount(x) {
  if (x === undefined) return '–'
  return x.discovery > 0 ? `${x.jwks} (+${x.discovery} discovery)` : `${x.jwks}`
}

function resilienceTable(report) {
  const { results, counts } = report.resilience
  const header = [
    'client',
    `${counts.cold} concurrent cold: JWKS fetches`,
    `${counts.sequential} sequential unknown kids: fetches`,
    `${counts.concurrent} concurrent unknown kids: fetches`,
    'rotation: accepted, fetches',
    'rotation right after a fetch',
    'IdP 503 after max-age',
    'IdP refusing connections',
    'silent JWKS server',
  ]
  const rotation = (r) => (r === undefined ? '–' : `${r.accepted ? 'yes' : 'no'}, ${fetchCount(r)}`)
  const outage = (o) => (o === undefined ? '–' : `${o.ok}/${o.of}`)
  const silent = (s) => {
    if (s === undefined) return '–'
    if (!s.answered) return `> ${s.capMs / 1000} s`
    return `${(s.ms / 1000).toFixed(1)} s, ${s.outcome.length > 40 ? `${s.outcome.slice(0, 40)}…` : s.outcome}`
  }
  const rows = Object.entries(results).map(([id, r]) => [
    labelOf(report, id),
    fetchCount(r.cold) + (r.cold && r.cold.ok !== r.cold.of ? `, ${r.cold.ok}/${r.cold.of} ok` : ''),
    fetchCount(r.stormSequential),
    fetchCount(r.stormConcurrent),
    rotation(r.rotation),
    rotation(r.rotationRightAfterFetch),
    outage(r.outage503),
    outage(r.outageDown),
    silent(r.silent),
  ])
  return table(header, rows)
}

function spread(target) {
  const rates = (target.segments ?? []).map((s) => s.requestsPerSecond)
  return rates.length === 0 ? '–' : `${Math.min(...rates)}–${Math.max(...rates)}`
}

export function renderMarkdown(report) {
  const m = report.meta
  const out = []
  out.push('# jwks-gateway benchmark results', '')
  out.push(
    `${m.date}, Node ${m.node}, ${m.platform}, ${m.cpus} CPUs (${m.cpuModel ?? '?'}), commit ${m.commit ?? '?'}${m.dirtySrc ? ' (src/ had uncommitted changes)' : ''}, ` +
      `${m.config.rounds} rounds, ${m.config.cellMs} ms per cell (${m.config.cachedCellMs} ms for the cached scenarios), ` +
      `run took ${m.durationSeconds} s, load average ${m.loadAverageAtStart ?? '?'} at start and ${m.loadAverageAtEnd ?? '?'} at the end${m.config.quick ? ', **--quick (smoke test, numbers meaningless)**' : ''}.`,
    '',
    'Ratios are to the WebCrypto floor (`crypto.subtle.verify` with an imported key, same signing input) measured in the same cell, ' +
      'in alternating slices; medians over rounds. Higher is better; 1.00 = as fast as the bare signature check. ' +
      'The machine is shared and noisy: compare ratios, not absolute rates.',
    '',
  )
  if (report.throughput !== undefined) {
    out.push(`## Distinct tokens (${report.scenarios?.[0]?.label ?? ''}), ratio to floor`, '')
    out.push(ratioTable(report, 'distinct', presentIds(report, 'distinct')), '')
    out.push(
      "Node's WebCrypto verifies on its thread pool: the floor includes that round trip. Peers that verify with " +
        'node:crypto synchronously (jsonwebtoken, aws-jwt-verify, fast-jwt) skip it, so they can pass the floor at c=1, ' +
        'and verify on the main thread, so they fall behind at c=16. Middleware rows include their framework: compare them ' +
        'with the "no auth" rows.',
      '',
    )
    const unavailable = (report.columns ?? []).filter((c) => c.unavailable !== undefined)
    const unsupported = []
    for (const [id, byAlg] of Object.entries(report.throughput.sanity)) {
      for (const [alg, s] of Object.entries(byAlg)) {
        if (!s.accepts) unsupported.push(`${labelOf(report, id)} ${alg}: ${s.error}`)
        else if (s.rejectsForged === false || s.rejectsWrongAudience === false) {
          if (report.columns?.find((c) => c.id === id)?.group !== 'floor') {
            unsupported.push(
              `${labelOf(report, id)} ${alg}: accepts a ${s.rejectsForged === false ? 'forged' : 'wrong-audience'} token`,
            )
          }
        }
      }
    }
    if (unsupported.length + unavailable.length > 0) {
      out.push('Not measured (–):', '')
      for (const line of unsupported) out.push(`- ${line}`)
      for (const c of unavailable) out.push(`- ${c.label}: ${c.unavailable}`)
      out.push('')
    }
    const rows = []
    for (const alg of ALGS) {
      rows.push([
        alg,
        ...CS.flatMap((c) => [
          fmt(pairedRatio(report, 'distinct', alg, c, 'core', 'jose-key')),
          fmt(pairedRatio(report, 'distinct', alg, c, 'core-nocache', 'jose-key')),
          fmt(pairedRatio(report, 'distinct', alg, c, 'core-full', 'jose-key')),
        ]),
        fmt(pairedRatio(report, 'distinct', alg, '16', 'hono', 'jose-key')),
        fmt(pairedRatio(report, 'distinct', alg, '16', 'hono', 'jose-remote')),
        ...CS.map((c) => fmt(pairedRatio(report, 'distinct', alg, c, 'hono', 'hono-jose'))),
      ])
    }
    out.push('### Us relative to jose (same-round ratio of ratios)', '')
    out.push(
      table(
        [
          '',
          'core / jose-key c=1',
          'core (tokenCacheSize 0) / jose-key c=1',
          'core (cache full) / jose-key c=1',
          'core / jose-key c=16',
          'core (tokenCacheSize 0) / jose-key c=16',
          'core (cache full) / jose-key c=16',
          'Hono jwksAuth / jose-key c=16',
          'Hono jwksAuth / jose remote c=16',
          'Hono jwksAuth / hand-written Hono + jose c=1',
          'Hono jwksAuth / hand-written Hono + jose c=16',
        ],
        rows,
      ),
      '',
    )
    for (const s of report.scenarios.slice(1)) {
      out.push(`## ${s.label}, ratio to floor`, '')
      out.push(ratioTable(report, s.id, presentIds(report, s.id)), '')
    }
  }
  if (report.resilience?.results !== undefined) {
    const r = report.resilience
    out.push('## Resilience', '')
    out.push(
      `Issuer: ${r.issuer.algorithm}, JWKS \`max-age=${r.issuer.maxAgeSeconds}\`. A fresh client per test. ` +
        '"After max-age": our clock is moved past it; peers whose key cache has a lifetime option get ' +
        `${r.issuer.peerTtlMs} ms and it is waited out; the others are noted. Rotation: the new kid is first seen after the ` +
        `peers' post-fetch cooldown (\`cooldownDuration\` ${r.issuer.peerTtlMs} ms, waited out), and separately right after a fetch.`,
      '',
    )
    out.push(resilienceTable(report), '')
    out.push(
      'A 0 in the unknown-kid columns means the client did not refetch at all: jose and express-oauth2-jwt-bearer refetch ' +
        'at most once per `cooldownDuration` (30 s) after *any* fetch, and the storm came right after the warm-up fetch; ' +
        'the same rule makes them reject a rotated key seen right after a fetch.',
      '',
    )
    const notes = Object.entries(r.results)
      .map(([id, x]) => [id, x.outage503?.how])
      .filter(([, how]) => how !== undefined)
    out.push('How "after max-age" was reached:', '')
    for (const [id, how] of notes) out.push(`- ${labelOf(report, id)}: ${how}`)
    for (const [id, why] of Object.entries(r.unavailable ?? {}))
      out.push(`- ${labelOf(report, id)}: not run (${why})`)
    out.push('')
  }
  if (report.memory !== undefined) {
    out.push('## Memory', '')
    const mem = report.memory
    if (mem.error !== undefined) out.push(`Not measured: ${mem.error}`, '')
    else {
      const r = mem.realistic
      out.push(
        `One verifier (default options), ${r.tokens} distinct valid ${mem.algorithm} tokens (~${r.averageTokenLength} chars) at c=16. ` +
          `Heap after GC (MiB), including the last ≤ 12 000 tokens the harness keeps for the probe:`,
        '',
        table(
          ['tokens', ...r.heap.map((h) => `${h.tokens}`)],
          [
            ['heap MiB', ...r.heap.map((h) => `${h.heapMiB}`)],
            ['held by harness', ...r.heap.map((h) => `${h.heldByHarnessMiB ?? 0}`)],
          ],
        ),
        '',
        `Verified-token cache hits among the newest ${r.probedNewest ?? 'kept'} tokens afterwards (newest first, until the first miss): **${r.retainedEntries} entries, ${r.retainedTokenMiB} MiB of token length** ` +
          `(bound ${mem.bound.entries} entries / ${mem.bound.tokenMiB} MiB; once full, a token seen once is not admitted, so a full cache keeps its older entries and this probe finds none). Heap growth from 20k to ${r.tokens} tokens: ${mem.heapGrowthAfter20kMiB} MiB. ` +
          `With ~${mem.large.averageTokenLength}-char tokens: ${mem.large.retainedEntries} entries, ${mem.large.retainedTokenMiB} MiB.`,
        '',
      )
    }
  }
  if (report.gateway !== undefined) {
    out.push('## Gateway under load (wrangler dev, workerd)', '')
    const g = report.gateway
    if (g.ratio === undefined) out.push(`Not measured: ${g.skipped ?? g.error}`, '')
    else {
      out.push(
        `autocannon, ${g.connections} connections, ${g.seconds} s per Worker in ${g.segments} alternating segments, ` +
          `${g.distinctTokens} distinct valid RS256 tokens cycled (more than the verified-token cache holds).`,
        '',
        table(
          ['Worker', 'requests/s', 'p99 ms (median segment)', 'p99 ms (worst segment)', 'non-2xx', 'errors'],
          [
            [
              'passthrough, no auth',
              g.passthrough.requestsPerSecond,
              g.passthrough.p99Ms,
              g.passthrough.p99WorstMs,
              g.passthrough.non2xx,
              g.passthrough.errors,
            ],
            [
              'jwks-gateway (echo mode)',
              g.gateway.requestsPerSecond,
              g.gateway.p99Ms,
              g.gateway.p99WorstMs,
              g.gateway.non2xx,
              g.gateway.errors,
            ],
          ],
        ),
        '',
        `Ratio: **${fmt(g.ratio)}×** the passthrough's requests/s. Segments: passthrough ${spread(g.passthrough)}, ` +
          `gateway ${spread(g.gateway)} requests/s: on a shared machine the ratio is only as good as that spread.`,
        '',
      )
    }
  }
  if (report.dpop !== undefined) {
    out.push('## DPoP replay store on a Durable Object (wrangler dev, workerd)', '')
    const d = report.dpop
    if (d.cells === undefined) out.push(`Not measured: ${d.skipped ?? d.error}`, '')
    else {
      const row = (label, c) => [label, c.medianMs, c.p90Ms, c.roundMediansMs.join(' / ')]
      out.push(
        `One request at a time, the three gateways in turns, ${d.rounds} rounds × ${d.perRound} each; ` +
          `a fresh \`dpop\`-library proof per DPoP request. Load average ${d.loadAverage.before[0]} → ${d.loadAverage.after[0]}.`,
        '',
        table(
          ['gateway', 'median ms', 'p90 ms', 'round medians ms'],
          [
            row('bearer, DPOP=off', d.cells.bearer),
            row('DPoP, replay store on the Durable Object', d.cells.do),
            row('DPoP, replay store in memory', d.cells.memory),
          ],
        ),
        '',
        `Durable Object ÷ memory: **${fmt(d.ratios.doOverMemory)}×** (+${d.doShareMs} ms); ` +
          `memory ÷ bearer: ${fmt(d.ratios.memoryOverBearer)}× (+${d.proofShareMs} ms, the proof check). ` +
          `${d.failures} non-200 answers.`,
        '',
      )
    }
  }
  renderEdge(report, out)
  if (report.size !== undefined) {
    out.push('## Bundle', '')
    const s = report.size
    out.push(
      s.gzipKiB === undefined
        ? `Not measured: ${s.skipped ?? s.error}`
        : `\`wrangler deploy --dry-run --minify\`: ${s.minifiedKiB} KiB, **${s.gzipKiB} KiB gzip** (limit ${s.limitGzipKiB}).`,
      '',
    )
  }
  if (report.targets?.length > 0) {
    out.push('## Targets', '')
    out.push(
      table(
        ['target', 'measured', 'met'],
        report.targets.map((t) => [
          t.text,
          t.value === null
            ? (t.detail ?? '–')
            : typeof t.value === 'number' && !Number.isInteger(t.value)
              ? fmt(t.value)
              : `${t.value}`,
          t.met === null ? 'not measured' : t.met ? 'yes' : '**no**',
        ]),
      ),
      '',
    )
  }
  return `${out.join('\n')}\n`
}

const loadText = (values) => {
  const xs = (values ?? []).filter((x) => x !== null && x !== undefined)
  return xs.length === 0 ? '?' : `${Math.min(...xs).toFixed(1)}–${Math.max(...xs).toFixed(1)}`
}
const us = (x) => (x === null || x === undefined ? '–' : x.toFixed(1))

/** The sections measured inside workerd (verification, gateway, cold isolate) and the glue. */
function renderEdge(report, out) {
  const w = report.workerd
  if (w !== undefined) {
    out.push('## Inside workerd: CPU per verification', '')
    if (w.results === undefined) out.push(`Not measured: ${w.skipped ?? w.error}`, '')
    else {
      out.push(
        `The bench Worker (bench/workerd/worker.mjs) in workerd through Miniflare, no \`wrangler dev\` proxy. ` +
          `workerd CPU time (\`/proc/<pid>/task/*/schedstat\`) of a request running N verifications in sequence minus ` +
          `the same request with N = 0, divided by N (N = ${w.distinctN} first-seen tokens, ${w.cachedN} for one cached token); ` +
          `${w.reps} pairs per cell (median), ${w.rounds} rounds in shuffled order (median; ratios taken within a round). ` +
          `Load average ${loadText(w.loadAverage)}.`,
        '',
        table(
          [
            'µs CPU per verification',
            'core first-seen',
            'jose remote first-seen',
            'core / jose',
            'core cached',
            'jose, same token again',
            'core first-seen / cached',
          ],
          ALGS.filter((alg) => w.results[alg] !== undefined).map((alg) => {
            const r = w.results[alg]
            return [
              alg,
              us(r.core.distinct.cpuUs),
              us(r.jose.distinct.cpuUs),
              fmt(r.coreOverJoseDistinct),
              us(r.core.cached.cpuUs),
              us(r.jose.cached.cpuUs),
              fmt(r.distinctOverCachedCore, 1),
            ]
          }),
        ),
        '',
      )
      const pieceLabels = {
        floor: 'WebCrypto floor (crypto.subtle.verify, imported key, pre-split)',
        'jose-key': 'jose jwtVerify, imported key',
        'core-nocache': 'core verify(), tokenCacheSize 0',
        'core-full': 'core verify(), token cache full (tokenCacheSize 64)',
        digest: 'SHA-256 of the token with crypto.subtle.digest',
        'digest-node': 'SHA-256 of the token with node:crypto createHash (nodejs_compat)',
        'digest-node-hash': 'SHA-256 of the token with node:crypto hash(), one-shot (nodejs_compat)',
      }
      const withPieces = ALGS.filter((alg) => w.results[alg]?.pieces !== undefined)
      if (withPieces.length > 0) {
        out.push(
          'The pieces, first-seen tokens, same rounds (µs CPU per operation, and / jose remote within a round):',
          '',
          table(
            ['', ...withPieces.flatMap((alg) => [`${alg} µs`, `${alg} / jose`])],
            Object.entries(pieceLabels).map(([id, label]) => [
              label,
              ...withPieces.flatMap((alg) => {
                const p = w.results[alg].pieces[id]
                return [us(p?.cpuUs), fmt(p?.overJose)]
              }),
            ]),
          ),
          '',
        )
      }
    }
  }
  const g = report.workerdGateway
  if (g !== undefined) {
    out.push('## Inside workerd: the gateway request vs a passthrough Worker', '')
    if (g.results === undefined) out.push(`Not measured: ${g.skipped ?? g.error}`, '')
    else {
      const row = (label, key) => {
        const r = g.results[key]
        return r === undefined
          ? [label, '–', '–', '–']
          : [label, us(r.cpuUs), fmt(r.overPassthrough), fmt(1 / r.overPassthrough)]
      }
      out.push(
        'The bench Worker calls the gateway Worker (dist/worker/entry.js, echo mode, bundled with esbuild) or the ' +
          'passthrough Worker (bench/gateway/passthrough) through a service binding, N requests per /run minus N = 0; ' +
          `workerd CPU per request, ${g.rounds} rounds × ${g.reps} pairs, medians. Load average ${loadText(g.loadAverage)}.`,
        '',
        table(
          ['Worker', 'µs CPU per request', '× passthrough CPU', 'requests per CPU-second, × passthrough'],
          [
            row('passthrough, no auth', 'passthrough'),
            ...ALGS.map((alg) => row(`gateway, first-seen ${alg} token`, `gateway:${alg}:distinct`)),
            ...ALGS.map((alg) => row(`gateway, one cached ${alg} token`, `gateway:${alg}:cached`)).filter(
              (r) => r[1] !== '–',
            ),
          ],
        ),
        '',
      )
      if (report.workerd?.results !== undefined) {
        const rest = ALGS.map((alg) => {
          const gw = g.results[`gateway:${alg}:distinct`]?.cpuUs
          const core = report.workerd.results[alg]?.core.distinct.cpuUs
          const pass = g.results.passthrough?.cpuUs
          return gw === undefined || core === undefined ? null : `${alg} ${us(gw - pass - core)} µs`
        }).filter((x) => x !== null)
        out.push(
          `Gateway request minus passthrough minus core first-seen verify(): ${rest.join(', ')} (what the gateway adds around the verification).`,
          '',
        )
      }
    }
  }
  const c = report.cold
  if (c !== undefined) {
    out.push('## Cold isolate: time to the first verified request', '')
    if (c.results === undefined) out.push(`Not measured: ${c.skipped ?? c.error}`, '')
    else {
      const labels = {
        empty: 'empty store (Cache API)',
        'warm-cache': 'warm Cache API store',
        'empty-kv': 'empty store (KV bound)',
        'warm-kv': 'warm KV store',
      }
      out.push(
        'A new workerd process (Miniflare) per life, so a new isolate; its store persists in a ' +
          '`resourcePersistencePath` directory that a first life fills and a second one starts on. First request: a valid ' +
          `RS256 token, wall time and workerd CPU; second request: another first-seen token (keys in memory). ${c.rounds} rounds, medians. ` +
          `Load average ${loadText(c.loadAverage)}.`,
        '',
        table(
          [
            'store',
            'workerd start ms',
            'first request ms',
            'first request CPU ms',
            'second request ms',
            'first / second',
            'issuer fetches (discovery + JWKS)',
          ],
          Object.entries(c.results).map(([state, r]) => [
            labels[state] ?? state,
            fmt(r.startMs, 0),
            fmt(r.firstMs, 1),
            fmt(r.firstCpuMs, 1),
            fmt(r.secondMs, 1),
            fmt(r.firstOverSecond, 1),
            r.jwksFetches.map((j, i) => `${r.discoveryFetches[i]}+${j}`).join(', '),
          ]),
        ),
        '',
      )
    }
  }
  const gl = report.glue
  if (gl !== undefined) {
    out.push("## The middleware's own cost (glue)", '')
    if (gl.glueHonoUs === undefined) out.push(`Not measured: ${gl.skipped ?? gl.error}`, '')
    else {
      const p = gl.perRequestUs
      out.push(
        `One cached ${gl.algorithm} token, c=1, in one process, µs of main-thread CPU time per request; ${gl.rounds} rounds of ${gl.honoBatch} requests (Hono, core) and ` +
          `${gl.expressBatch} (Express over a socket), variants shuffled per round; glue = jwksAuth − framework with no auth − ` +
          'core verify(), within a round, median.',
        '',
        table(
          ['µs per request', 'core verify()', 'framework, no auth', 'framework + jwksAuth', 'glue'],
          [
            ['Hono app.request()', us(p.core), us(p['hono-plain']), us(p.hono), fmt(gl.glueHonoUs)],
            [
              'Express over a socket',
              us(p.core),
              us(p['express-plain']),
              us(p.express),
              fmt(gl.glueExpressUs),
            ],
          ],
        ),
        '',
        `Per-round glue, Hono: ${gl.glueHonoRounds.join(', ')} µs; Express: ${gl.glueExpressRounds.join(', ')} µs ` +
          '(a socket round trip varies by more than the glue: read Express as a bound).',
        '',
      )
    }
  }
}

const CHART_LABELS = {
  core: 'verify()',
  'core-nocache': 'verify(), tokenCacheSize 0',
  'core-full': 'verify(), token cache full',
  hono: 'jwksAuth, Hono',
  express: 'jwksAuth, Express (socket)',
  'jose-remote': 'jose, createRemoteJWKSet',
  'jose-key': 'jose, imported key',
  'hono-jwk': 'hono/jwk',
  'jwks-rsa': 'jwks-rsa + jsonwebtoken',
  'fast-jwt': 'fast-jwt + get-jwks',
  'aws-jwt-verify': 'aws-jwt-verify',
  'express-oauth2': 'express-oauth2-jwt-bearer (socket)',
  'hono-jose': 'Hono + jose, hand-written',
}

const COLORS = {
  us: ['#f08c00', '#ffc078'],
  peer: ['#1971c2', '#a5d8ff'],
}

function esc(text) {
  return String(text).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
}

/** Grouped horizontal bars: ratio to floor per column and algorithm, c=1 and c=16, distinct tokens. */
export function renderSvg(report) {
  const ids = presentIds(report, 'distinct').filter((id) => {
    const group = report.columns.find((c) => c.id === id)?.group
    return group === 'us' || group === 'peer'
  })
  const max = 1.2
  const labelW = 250
  const panelW = 230
  const gap = 40
  const rowH = 26
  const top = 96
  const width = labelW + ALGS.length * (panelW + gap) + 10
  const height = top + ids.length * rowH + 72
  const x = (v) => (Math.min(v, max) / max) * panelW
  const parts = []
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui, -apple-system, Segoe UI, sans-serif" font-size="12">`,
    `<rect width="${width}" height="${height}" fill="#fff"/>`,
    `<text x="10" y="22" font-size="16" font-weight="600">JWT verification throughput, ratio to the WebCrypto floor (higher is better)</text>`,
    `<text x="10" y="40" fill="#555">${esc(report.scenarios?.[0]?.label ?? '')}, Node ${esc(report.meta.node)}, ${report.meta.cpus} CPUs, median of ${report.meta.config.rounds} interleaved rounds. Bar pairs: c=1 (light), c=16 (dark).</text>`,
  )
  ALGS.forEach((alg, p) => {
    const x0 = labelW + p * (panelW + gap)
    const floors = CS.map((c) => report.throughput.results.distinct?.[alg]?.[c]?.floor?.rate)
    const k = (v) => (v === undefined || v === null ? '–' : `${(v / 1000).toFixed(1)}k`)
    parts.push(
      `<text x="${x0 + panelW / 2}" y="${top - 30}" text-anchor="middle" font-weight="600">${alg}</text>`,
      `<text x="${x0 + panelW / 2}" y="${top - 16}" text-anchor="middle" fill="#868e96" font-size="10">floor ${k(floors[0])}/s at c=1, ${k(floors[1])}/s at c=16</text>`,
    )
    for (const t of [0, 0.25, 0.5, 0.75, 1]) {
      const gx = x0 + x(t)
      parts.push(
        `<line x1="${gx}" y1="${top - 8}" x2="${gx}" y2="${top + ids.length * rowH}" stroke="${t === 1 ? '#c92a2a' : '#e9ecef'}" stroke-width="${t === 1 ? 1.5 : 1}"${t === 1 ? ' stroke-dasharray="4 3"' : ''}/>`,
        `<text x="${gx}" y="${top + ids.length * rowH + 14}" text-anchor="middle" fill="#868e96" font-size="10">${t === 1 ? '1 = floor' : t}</text>`,
      )
    }
    ids.forEach((id, r) => {
      const group = report.columns.find((c) => c.id === id)?.group
      const [dark, light] = COLORS[group]
      CS.forEach((c, k) => {
        const y = top + r * rowH + 3 + k * 10
        const v = cell(report, 'distinct', alg, c, id)?.ratio
        if (v === undefined || v === null) {
          if (k === 0)
            parts.push(`<text x="${x0 + 4}" y="${y + 13}" fill="#adb5bd" font-size="10">not supported</text>`)
          return
        }
        const w = Math.max(1, x(v))
        parts.push(
          `<rect x="${x0}" y="${y}" width="${w.toFixed(1)}" height="9" fill="${k === 0 ? light : dark}"><title>${esc(`${id} ${alg} c=${c}: ${fmt(v)}`)}</title></rect>`,
          `<text x="${x0 + w + 3}" y="${y + 8}" font-size="9" fill="#343a40">${fmt(v)}${v > max ? ' ▸' : ''}</text>`,
        )
      })
    })
  })
  ids.forEach((id, r) => {
    const group = report.columns.find((c) => c.id === id)?.group
    parts.push(
      `<text x="${labelW - 10}" y="${top + r * rowH + 16}" text-anchor="end"${group === 'us' ? ' font-weight="600"' : ''}>${esc(CHART_LABELS[id] ?? labelOf(report, id))}</text>`,
    )
  })
  const reuse = ALGS.map((alg) => `${alg} ${fmt(cell(report, 'reuse', alg, '16', 'core')?.ratio, 1)}×`).join(
    ', ',
  )
  const repeated = ALGS.map(
    (alg) => `${alg} ${fmt(cell(report, 'repeated', alg, '1', 'core')?.ratio, 1)}×`,
  ).join(', ')
  parts.push(
    `<text x="10" y="${height - 38}" fill="#555">jwks-gateway verify() with its verified-token cache: tokens reused (${report.meta.config.pool} × ${report.meta.config.reuse}, random order, c=16) ${esc(reuse)} the floor;</text>`,
    `<text x="10" y="${height - 23}" fill="#555">one repeated token (c=1) ${esc(repeated)}. Orange: jwks-gateway; blue: npm peers. Middleware rows include their framework.</text>`,
    `<text x="10" y="${height - 7}" fill="#868e96" font-size="10">Node's WebCrypto verifies on its thread pool; peers verifying with node:crypto synchronously can pass the floor at c=1 and fall behind at c=16. bench/run.mjs, bench/results/results.md.</text>`,
    '</svg>',
  )
  return `${parts.join('\n')}\n`
}
