import { InvalidArgumentError } from 'commander'

/** Seconds per unit of a duration such as `5m`. */
const SECONDS_PER_UNIT: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400 }

const DURATION = /^(-?\d+)([smhd]?)$/

/**
 * Parses `30`, `30s`, `5m`, `2h`, `1d` to seconds. Negative values are allowed on purpose:
 * `mint --exp=-5m` makes an already expired token, which is what a test of expiry needs.
 */
export function parseDurationSeconds(value: string): number {
  const match = DURATION.exec(value.trim())
  if (match === null) throw new InvalidArgumentError('expected a duration such as 30s, 5m, 2h or 1d.')
  const amount = Number(match[1])
  const unit = SECONDS_PER_UNIT[match[2] || 's'] ?? 1
  if (!Number.isSafeInteger(amount * unit)) throw new InvalidArgumentError('duration is too large.')
  return amount * unit
}

/** Parses a whole number within `[min, max]`. */
export function integerParser(min: number, max: number): (value: string) => number {
  return (value) => {
    const parsed = /^\d+$/.test(value.trim()) ? Number(value) : Number.NaN
    if (!Number.isSafeInteger(parsed) || parsed < min || parsed > max)
      throw new InvalidArgumentError(`expected a whole number from ${min} to ${max}.`)
    return parsed
  }
}

/** Parses a value that must be one of `choices`. */
export function choiceParser<T extends string>(choices: readonly T[]): (value: string) => T {
  return (value) => {
    const found = choices.find((choice) => choice === value)
    if (found === undefined) throw new InvalidArgumentError(`expected one of ${choices.join(', ')}.`)
    return found
  }
}

/** For repeatable options: each occurrence is appended to the list. */
export function collect<T>(parse: (value: string) => T): (value: string, previous: T[] | undefined) => T[] {
  return (value, previous) => [...(previous ?? []), parse(value)]
}

/** For comma-separated, repeatable options (`--deny-kid a,b --deny-kid c`). */
export function collectCommaList(value: string, previous: string[] | undefined): string[] {
  const items = value
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '')
  return [...(previous ?? []), ...items]
}

/**
 * Parses `--claim key=value`. The value is JSON when it parses as JSON (`n=3`, `admin=true`,
 * `roles=["a","b"]`), else the text as is (`tenant=acme`), so strings need no quoting.
 */
export function parseClaim(value: string): [string, unknown] {
  const eq = value.indexOf('=')
  if (eq <= 0) throw new InvalidArgumentError('expected key=value.')
  const key = value.slice(0, eq)
  const raw = value.slice(eq + 1)
  try {
    return [key, JSON.parse(raw)]
  } catch {
    return [key, raw]
  }
}
