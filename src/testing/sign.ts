import { CompactSign } from 'jose'
import type { SigningKey } from './keys.js'
import type { SignOptions, TestClaims } from './types.js'

/** What a token gets unless the caller overrides it. */
export interface TokenDefaults {
  issuer: string
  audience: string
  now: () => number
}

const DEFAULT_LIFETIME_SECONDS = 300

/** Picks the signing key and the `kid` header value, per the rules of {@link SignOptions}. */
function chooseKey(
  keys: readonly SigningKey[],
  options: SignOptions,
): { key: SigningKey; kid: string | null } {
  const first = keys[0]
  if (first === undefined) throw new Error('the test issuer has no keys left to sign with')
  if (typeof options.kid === 'string') {
    const named = keys.find((k) => k.kid === options.kid)
    if (named !== undefined && (options.alg === undefined || options.alg === named.alg))
      return { key: named, kid: named.kid }
  }
  const alg = options.alg ?? first.alg
  // Keys are kept newest first, so the first match is the newest key with that alg.
  const key = keys.find((k) => k.alg === alg)
  if (key === undefined) throw new Error(`the test issuer has no ${alg} key; rotate({ alg: '${alg}' }) first`)
  return { key, kid: options.kid === undefined ? key.kid : options.kid }
}

/** Drops members whose value is `undefined`, the documented way to leave a default out. */
export function withoutUndefined(record: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(record).filter(([, v]) => v !== undefined))
}

/**
 * Signs a JWT. `CompactSign` rather than `SignJWT`, so claims go out exactly as given (a string
 * `exp`, a numeric `sub`...): tests of a verifier need tokens that are wrong on purpose.
 */
export async function signToken(
  keys: readonly SigningKey[],
  defaults: TokenDefaults,
  claims: TestClaims = {},
  options: SignOptions = {},
): Promise<string> {
  const { key, kid } = chooseKey(keys, options)
  const iat = Math.floor(defaults.now() / 1000)
  const payload = withoutUndefined({
    iss: defaults.issuer,
    aud: defaults.audience,
    sub: 'user-1',
    iat,
    exp: iat + (options.expiresInSeconds ?? DEFAULT_LIFETIME_SECONDS),
    ...claims,
  })
  const header = withoutUndefined({
    typ: 'JWT',
    ...(kid === null ? {} : { kid }),
    ...options.header,
    alg: key.alg,
  })
  // jose refuses `crit` names it does not know; declaring them all lets tests send any extension.
  const crit = Array.isArray(header.crit)
    ? Object.fromEntries(header.crit.filter((n): n is string => typeof n === 'string').map((n) => [n, true]))
    : undefined
  return new CompactSign(new TextEncoder().encode(JSON.stringify(payload)))
    .setProtectedHeader({ ...header, alg: key.alg })
    .sign(key.privateKey, crit === undefined ? undefined : { crit })
}
