/**
 * Checks of objects from untyped callers: JavaScript tests calling `fail()`, and the JSON bodies
 * of the admin routes (src/testing/admin.ts).
 */

/** What a member must be: a test, and the words that say so in an error. */
export interface MemberRule<T = unknown> {
  ok(value: unknown): value is T
  must: string
}

/** The object a set of rules describes. */
type Members<R extends Readonly<Record<string, MemberRule>>> = {
  [K in keyof R]: R[K] extends MemberRule<infer T> ? T : never
}

export const anything: MemberRule = { ok: (_value): _value is unknown => true, must: 'anything' }
export const string: MemberRule<string> = {
  ok: (value): value is string => typeof value === 'string',
  must: 'a string',
}
export const boolean: MemberRule<boolean> = {
  ok: (value): value is boolean => typeof value === 'boolean',
  must: 'true or false',
}

/** A finite number of at least `min`. */
export function finiteNumber(min = Number.NEGATIVE_INFINITY): MemberRule<number> {
  return {
    ok: (value): value is number => typeof value === 'number' && Number.isFinite(value) && value >= min,
    must: min === Number.NEGATIVE_INFINITY ? 'a finite number' : `a finite number from ${min}`,
  }
}

/** A safe integer from `min` to `max`. */
export function integer(min: number, max = Number.MAX_SAFE_INTEGER): MemberRule<number> {
  return {
    ok: (value): value is number =>
      Number.isSafeInteger(value) && (value as number) >= min && (value as number) <= max,
    must: max === Number.MAX_SAFE_INTEGER ? `an integer from ${min}` : `an integer from ${min} to ${max}`,
  }
}

/** One of `values`. */
export function oneOf<T>(values: readonly T[]): MemberRule<T> {
  return { ok: (value): value is T => values.includes(value as T), must: `one of ${values.join(', ')}` }
}

/** `rule`, or absent (`undefined`). */
export function optional<T>(rule: MemberRule<T>): MemberRule<T | undefined> {
  return { ok: (value): value is T | undefined => value === undefined || rule.ok(value), must: rule.must }
}

/** An object written as a literal or parsed from JSON, not a class instance (`Headers`, `Map`). */
function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false
  const prototype: unknown = Object.getPrototypeOf(value)
  // Object.prototype of any realm, or none.
  return prototype === null || (typeof prototype === 'object' && Object.hasOwn(prototype, 'isPrototypeOf'))
}

/** A plain object whose enumerable members have string names and values passing `values`. */
export function record<T>(values: MemberRule<T>): MemberRule<Record<string, T>> {
  return {
    ok: (value): value is Record<string, T> =>
      isPlainObject(value) &&
      Reflect.ownKeys(value).every(
        (key) =>
          key === '__proto__' ||
          !Object.prototype.propertyIsEnumerable.call(value, key) ||
          (typeof key === 'string' && values.ok(value[key])),
      ),
    must: `an object of ${values.must.replace(/^an? /, '')} values`,
  }
}

/**
 * A copy of `value` if it is an object (not an array) with no members but `rules`' and each of
 * those passing its rule; throws a TypeError starting with `what` otherwise. The copy has the
 * members `value` has; plain objects among them are copied too, so the caller's objects are
 * never kept, and an own `__proto__` member (JSON can carry one) is dropped, never assigned.
 */
export function readMembers<R extends Readonly<Record<string, MemberRule>>>(
  value: unknown,
  rules: R,
  what: string,
): Partial<Members<R>> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new TypeError(`${what}: not an object`)
  }
  for (const member in value) {
    if (!Object.hasOwn(rules, member)) throw new TypeError(`${what}: unknown member ${member}`)
  }
  const copy: Record<string, unknown> = {}
  for (const [member, rule] of Object.entries(rules)) {
    const item = (value as Record<string, unknown>)[member]
    if (!rule.ok(item)) throw new TypeError(`${what}: ${member} must be ${rule.must}`)
    if (!(member in value)) continue
    copy[member] = isPlainObject(item)
      ? Object.fromEntries(Object.entries(item).filter(([key]) => key !== '__proto__'))
      : item
  }
  return copy as Partial<Members<R>>
}
