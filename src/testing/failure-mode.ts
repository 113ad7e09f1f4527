import * as z from 'zod/mini'
import type { FailureMode, FailureTarget } from './types.js'

const nonNegative = z.number().check(z.gte(0))
const finiteNonNegative = nonNegative.check(z.refine(Number.isFinite, 'must be finite'))

/** The shape of a {@link FailureMode}; shared by `fail()` and the `POST /fail` admin route. */
const failureModeSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('down') }),
  z.strictObject({ kind: z.literal('hang') }),
  z.strictObject({ kind: z.literal('slow'), delayMs: finiteNonNegative }),
  // A zero interval would spin the event loop; one millisecond is the floor.
  z.strictObject({
    kind: z.literal('drip'),
    intervalMs: z.number().check(z.gte(1), z.refine(Number.isFinite)),
  }),
  z.strictObject({
    kind: z.literal('status'),
    // The Fetch API cannot construct a Response outside 200–599.
    status: z.int().check(z.gte(200), z.lte(599)),
    headers: z.optional(z.record(z.string(), z.string())),
    body: z.optional(z.string()),
  }),
  z.strictObject({ kind: z.literal('rate-limited'), retryAfterSeconds: z.int().check(z.gte(0)) }),
  z.strictObject({ kind: z.literal('bad-json'), body: z.optional(z.string()) }),
  z.strictObject({
    kind: z.literal('huge'),
    bytes: z.int().check(z.gte(0)),
    declareLength: z.optional(z.boolean()),
  }),
  z.strictObject({
    kind: z.literal('redirect'),
    location: z.string().check(z.minLength(1)),
    status: z.optional(z.union([z.literal(301), z.literal(302), z.literal(307), z.literal(308)])),
  }),
])

/** Validates a failure mode from untyped callers (JavaScript tests, the admin route). */
export function parseFailureMode(value: unknown): FailureMode | null {
  if (value === null) return null
  const parsed = failureModeSchema.safeParse(value)
  if (!parsed.success) throw new TypeError(`invalid failure mode: ${z.prettifyError(parsed.error)}`)
  return parsed.data as FailureMode
}

/** Validates a failure target; `undefined` stays undefined so callers can apply their default. */
export function parseFailureTarget(value: unknown): FailureTarget | undefined {
  if (value === undefined || value === 'jwks' || value === 'discovery' || value === 'all') return value
  throw new TypeError(`invalid failure target: ${String(value)}`)
}
