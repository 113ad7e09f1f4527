import { VerifierConfigError } from '../errors.js'
import { ISSUER_OPTION_NAMES, VERIFIER_OPTION_NAMES, type VerifierOptions } from './options.js'

/**
 * Every option name of an options type `T`, as a record the compiler checks both ways: a key of
 * `T` left out, or a name that is not a key of `T`, is a type error. Adding an option to `T` is
 * then one more line in the record next to it.
 *
 * @example
 * const NAMES: OptionNames<{ realm?: string }> = { realm: true }
 */
export type OptionNames<T> = { readonly [K in keyof Required<T>]: true }

/** Farthest a misspelling may be from a name to be suggested (edits, as the CLI's commander). */
const MAX_SUGGESTION_DISTANCE = 3
/** Part of a name that must survive the edits for a suggestion (commander's threshold). */
const MIN_SUGGESTION_SIMILARITY = 0.4

/**
 * Throws {@link VerifierConfigError} for the first own key of `options` that `known` does not
 * name, with a "did you mean" when one name is close. In plain JavaScript a misspelt option
 * (`audiance`) would otherwise be ignored, and the check it meant to turn on stay off.
 *
 * @param face - Who is asking, for the message: `createVerifier()`, `jwksAuth()`...
 * @param where - For a nested object: the top-level option to report (`issuer`) and where it was.
 */
export function refuseUnknownOptions(
  face: string,
  options: object,
  known: Readonly<Record<string, true>>,
  where: { option: string; within: string } | undefined = undefined,
): void {
  for (const name of Object.keys(options)) {
    if (Object.hasOwn(known, name)) continue
    const suggestion = closestName(name, Object.keys(known))
    const within = where === undefined ? '' : ` in ${where.within}`
    const hint = suggestion === undefined ? '' : ` (did you mean "${suggestion}"?)`
    throw new VerifierConfigError(`${face}: unknown option "${name}"${within}${hint}`, where?.option ?? name)
  }
}

/**
 * The shape of verifier options, before any value is read: an object, only known names (in
 * `issuer` entries too), and an `issuer`. Values are checked where they are resolved.
 *
 * @param known - The face's own names when it adds options to the verifier's (`jwksAuth()`).
 */
export function checkVerifierOptionNames(
  face: string,
  options: VerifierOptions,
  known: Readonly<Record<string, true>> = VERIFIER_OPTION_NAMES,
): void {
  if (typeof options !== 'object' || options === null) {
    throw new VerifierConfigError(`${face} needs an options object`, undefined)
  }
  refuseUnknownOptions(face, options, known)
  if (options.issuer === undefined) {
    throw new VerifierConfigError(`${face}: "issuer" option is required (the issuer URL)`, 'issuer')
  }
  const entries: readonly unknown[] = Array.isArray(options.issuer) ? options.issuer : [options.issuer]
  for (const entry of entries) {
    if (typeof entry === 'object' && entry !== null) {
      refuseUnknownOptions(face, entry, ISSUER_OPTION_NAMES, {
        option: 'issuer',
        within: 'an "issuer" entry',
      })
    } else if (typeof entry !== 'string') {
      throw new VerifierConfigError(`${face}: "issuer" takes URLs or { issuer, ... } objects`, 'issuer')
    }
  }
}

/** Shortest start of a name that, left without its unit (`timeout` for `timeoutMs`), is suggested. */
const MIN_PREFIX_LENGTH = 4

/**
 * The candidate nearest to `name` by Damerau-Levenshtein distance, if one is near enough; else
 * the one that `name` starts (a name given without its unit, `clockTolerance`), if any.
 */
export function closestName(name: string, candidates: readonly string[]): string | undefined {
  const lower = name.toLowerCase()
  let best: string | undefined
  let bestDistance = MAX_SUGGESTION_DISTANCE + 1
  for (const candidate of candidates) {
    const distance = editDistance(lower, candidate.toLowerCase())
    const length = Math.max(name.length, candidate.length)
    if (distance < bestDistance && (length - distance) / length > MIN_SUGGESTION_SIMILARITY) {
      best = candidate
      bestDistance = distance
    }
  }
  if (best !== undefined || name.length < MIN_PREFIX_LENGTH) return best
  return candidates.find((candidate) => candidate.toLowerCase().startsWith(lower))
}

/** Insertions, deletions, substitutions and transpositions of adjacent characters. */
function editDistance(a: string, b: string): number {
  const rows: number[][] = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  )
  const at = (i: number, j: number) => rows[i]?.[j] ?? Number.POSITIVE_INFINITY
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1
      let distance = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost)
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        distance = Math.min(distance, at(i - 2, j - 2) + 1)
      }
      const row = rows[i]
      if (row !== undefined) row[j] = distance
    }
  }
  return at(a.length, b.length)
}
