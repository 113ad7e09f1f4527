import {
  boolean,
  finiteNumber,
  integer,
  type MemberRule,
  oneOf,
  optional,
  readMembers,
  record,
  string,
} from './members.js'
import type { FailureMode, FailureTarget } from './types.js'

/** The members of each {@link FailureMode} besides `kind`; shared by `fail()` and the `POST /fail` admin route. */
const FAILURE_MODES: Readonly<Record<FailureMode['kind'], Readonly<Record<string, MemberRule>>>> = {
  down: {},
  hang: {},
  slow: { delayMs: finiteNumber(0) },
  // A zero interval would spin the event loop; one millisecond is the floor.
  drip: { intervalMs: finiteNumber(1) },
  // The Fetch API cannot construct a Response outside 200–599.
  status: { status: integer(200, 599), headers: optional(record(string)), body: optional(string) },
  'rate-limited': { retryAfterSeconds: integer(0) },
  'bad-json': { body: optional(string) },
  huge: { bytes: integer(0), declareLength: optional(boolean) },
  redirect: {
    location: {
      ok: (value): value is string => typeof value === 'string' && value.length >= 1,
      must: 'a non-empty string',
    },
    status: optional(oneOf([301, 302, 307, 308])),
  },
}

const KIND: MemberRule = oneOf(Object.keys(FAILURE_MODES))

/** Validates a failure mode from untyped callers (JavaScript tests, the admin route). */
export function parseFailureMode(value: unknown): FailureMode | null {
  if (value === null) return null
  const kind = typeof value === 'object' ? (value as { kind?: unknown }).kind : undefined
  const members =
    typeof kind === 'string' && Object.hasOwn(FAILURE_MODES, kind)
      ? FAILURE_MODES[kind as FailureMode['kind']]
      : {}
  return readMembers(value, { kind: KIND, ...members }, 'invalid failure mode') as FailureMode
}

/** Validates a failure target; `undefined` stays undefined so callers can apply their default. */
export function parseFailureTarget(value: unknown): FailureTarget | undefined {
  if (value === undefined || value === 'jwks' || value === 'discovery' || value === 'all') return value
  throw new TypeError(`invalid failure target: ${String(value)}`)
}
