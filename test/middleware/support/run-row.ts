import { expect } from 'vitest'
import type { TestIssuer } from '../../../src/testing/index.js'
import { type AnswerRow, PATHS, type RowOptions } from './answer-rows.js'
import type { Tokens } from './tokens.js'

export interface SentRequest {
  method: string
  /** Path and query. */
  url: string
  headers: [string, string][]
}

export interface Received {
  status: number
  headers: Headers
  text: string
}

/** How a framework's test drives the shared rows. */
export interface Harness {
  /** Installs a fresh middleware (so a fresh key cache) with these options. */
  mount(options: RowOptions): void
  send(request: SentRequest): Promise<Received>
  /** How many times a protected handler ran since the last `mount`. */
  handlerCalls(): number
}

export type Method = 'GET' | 'HEAD'

/** Sends one §5 row and checks status, challenge, body, Retry-After, handler and fetch counts. */
export async function runAnswerRow(
  harness: Harness,
  idp: TestIssuer,
  tokens: Tokens,
  row: AnswerRow,
  method: Method,
): Promise<void> {
  harness.mount(row.options ?? {})
  const path = row.path ?? PATHS.items
  if (row.warmWith !== undefined) {
    const warm = await harness.send({
      method: 'GET',
      url: path === PATHS.admin ? PATHS.items : path,
      headers: [['authorization', `Bearer ${tokens[row.warmWith]}`]],
    })
    expect(warm.status, 'warm-up request').toBe(200)
  }
  const callsBefore = harness.handlerCalls()
  const before = { discovery: idp.counts.discovery, jwks: idp.counts.jwks }
  if (row.outage) idp.fail({ kind: 'down' })
  let received: Received
  try {
    received = await harness.send({
      method,
      url: `${path}${row.query?.(tokens) ?? ''}`,
      headers: row.headers(tokens),
    })
  } finally {
    idp.fail(null)
  }

  expect(received.status).toBe(row.status)
  expect(received.headers.get('www-authenticate')).toBe(row.challenge)
  expect(received.headers.get('content-type')).toBe('application/json')
  expect(received.headers.get('cache-control')).toBe('no-store')
  if (method === 'HEAD') expect(received.text).toBe('')
  else expect(JSON.parse(received.text)).toEqual(row.body)
  if (row.status === 503) expect(received.headers.get('retry-after')).toMatch(/^[1-9][0-9]*$/)
  else expect(received.headers.get('retry-after')).toBeNull()
  expect(harness.handlerCalls() - callsBefore, 'handler calls').toBe(0)
  expect({ discovery: idp.counts.discovery - before.discovery, jwks: idp.counts.jwks - before.jwks }).toEqual(
    row.fetches,
  )
  expect(idp.counts.unexpected).toBe(0)
}
