import { inputError } from './errors.js'
import { type CliIo, inputName, readInput } from './io.js'

/** A JWK as read from a file: any members, but at least a string `kty`. */
export type JwkObject = Record<string, unknown> & { kty: string }

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/**
 * The member as a JWK if it is an object with a string `kty`: a copy with `kty` first and the
 * other members in their order, as `keys rotate` writes them back (an own `__proto__` member,
 * which JSON can carry, is dropped rather than assigned).
 */
function toJwk(value: unknown): JwkObject | undefined {
  if (!isObject(value) || typeof value.kty !== 'string') return undefined
  const jwk: JwkObject = { kty: value.kty }
  for (const member in value) if (member !== '__proto__') jwk[member] = value[member]
  return jwk
}

/** Members that only a private or secret key has (RFC 7518 §6.2.2, §6.3.2, §6.4). */
const SECRET_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'] as const

/** Whether a JWK holds private or secret key material, i.e. must not leave its owner. */
export function hasSecretMembers(jwk: Record<string, unknown>): boolean {
  return SECRET_MEMBERS.some((member) => Object.hasOwn(jwk, member))
}

/** What a key file held: its keys, and whether it was a set or one bare JWK. */
export interface JwkFile {
  keys: JwkObject[]
  isSet: boolean
}

/** Parses JSON text; the error names the input, never its content. */
function parseJson(text: string, name: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    throw inputError(`${name} is not valid JSON`)
  }
}

/**
 * Reads a JWKS (`{"keys": [...]}`) or a single JWK from a file or stdin. Both are accepted
 * everywhere a key is read, so `pem2jwk` output pipes straight into `thumbprint` or `mint`.
 * A set with no keys is an input error (exit 2): no command has anything to do with one.
 */
export async function readJwkFile(io: CliIo, source: string): Promise<JwkFile> {
  const name = inputName(source)
  return toJwkFile(parseJson(await readInput(io, source), name), name)
}

/** Validates parsed JSON as a JWKS or a JWK; see {@link readJwkFile}. */
function toJwkFile(value: unknown, name: string): JwkFile {
  if (isObject(value) && Array.isArray(value.keys)) {
    if (value.keys.length === 0) throw inputError(`${name}: the JWKS has no keys`)
    const keys = value.keys.map((member: unknown, index) => {
      const jwk = toJwk(member)
      if (jwk === undefined)
        throw inputError(`${name}: keys[${index}] is not a JWK (an object with a string "kty")`)
      return jwk
    })
    return { keys, isSet: true }
  }
  const jwk = toJwk(value)
  if (jwk !== undefined) return { keys: [jwk], isSet: false }
  throw inputError(`${name} is neither a JWKS ({"keys": [...]}) nor a JWK (an object with "kty")`)
}

/**
 * Picks one key: the one whose `kid` is given, else the first that `usable` accepts. `what`
 * describes the wanted key in the error ("private key").
 */
export function pickKey(
  file: JwkFile,
  name: string,
  kid: string | undefined,
  usable: (jwk: JwkObject) => boolean,
  what: string,
): JwkObject {
  if (kid !== undefined) {
    const matches = file.keys.filter((jwk) => jwk.kid === kid)
    if (matches.length === 0) throw inputError(`${name} has no key with kid "${kid}"`)
    if (matches.length > 1) throw inputError(`${name} has ${matches.length} keys with kid "${kid}"`)
    const [jwk] = matches as [JwkObject]
    if (!usable(jwk)) throw inputError(`the key with kid "${kid}" in ${name} is not a ${what}`)
    return jwk
  }
  const found = file.keys.find(usable)
  if (found === undefined) throw inputError(`${name} holds no ${what}`)
  return found
}

/** A key's `kid` for messages: the kid when it is a string, else its position. */
export function describeKey(jwk: Record<string, unknown>, index: number): string {
  return typeof jwk.kid === 'string' ? `kid "${jwk.kid}"` : `keys[${index}]`
}
