import { expect } from 'vitest'
import type { JwtAuthErrorCode } from '../../../src/index.js'
import { BODY, CHALLENGE } from '../../middleware/support/answer-rows.js'
import type { Probe } from './layers.js'
import type { World } from './world.js'

/** docs/SECURITY.md's shorthands: R401, R400, the bare challenge, R503. */
export type Rejection = 'R401' | 'R400' | 'missing' | 'R503'

const SHAPES = {
  R401: { status: 401, challenge: CHALLENGE.invalidToken, body: BODY.invalidToken },
  R400: { status: 400, challenge: CHALLENGE.invalidRequest, body: BODY.invalidRequest },
  missing: { status: 401, challenge: CHALLENGE.missing, body: BODY.missing },
  R503: { status: 503, challenge: null, body: BODY.unavailable },
} as const

/**
 * A rejection exactly as docs/SECURITY.md writes it: status, `WWW-Authenticate`, the generic JSON
 * body (empty for HEAD), `Retry-After` only on 503, the precise code the layer reported, and
 * the handler or upstream never reached.
 */
export function expectRejected(
  probe: Probe,
  kind: Rejection,
  code: JwtAuthErrorCode | readonly JwtAuthErrorCode[],
  options: { head?: boolean } = {},
): void {
  const shape = SHAPES[kind]
  const where = `${probe.layer}: ${probe.body.slice(0, 120)}`
  expect(probe.status, where).toBe(shape.status)
  expect(probe.challenge, where).toBe(shape.challenge)
  expect(probe.contentType).toBe('application/json')
  if (options.head === true) expect(probe.body).toBe('')
  else expect(JSON.parse(probe.body)).toEqual(shape.body)
  if (kind === 'R503') expect(probe.retryAfter).toMatch(/^[1-9][0-9]*$/)
  else expect(probe.retryAfter).toBeNull()
  const codes: readonly JwtAuthErrorCode[] = typeof code === 'string' ? [code] : code
  expect(codes, `${probe.layer} code`).toContain(probe.code)
  expect(probe.reached, `${probe.layer} handler/upstream reached`).toBe(false)
}

/** 200, and the handler (or upstream) ran. */
export function expectAccepted(probe: Probe): void {
  expect(probe.status, `${probe.layer}: ${probe.code} ${probe.body.slice(0, 120)}`).toBe(200)
  expect(probe.reached).toBe(true)
}

/** Discovery and JWKS requests since the last reset or warm-up; never a stray request. */
export function expectFetches(world: World, expected: { discovery?: number; jwks: number }): void {
  const counts = world.counts()
  expect({ discovery: counts.discovery, jwks: counts.jwks }).toEqual({
    discovery: expected.discovery ?? 0,
    jwks: expected.jwks,
  })
  expect(counts.unexpected, 'requests outside the issuers').toBe(0)
}

/** NF: no discovery and no JWKS request at all. */
export const NF = { discovery: 0, jwks: 0 } as const
