import { base64url } from 'jose'

/** How long one nonce step lasts; a nonce is accepted for this step and the one before. */
const DEFAULT_NONCE_STEP_SECONDS = 300
/** A nonce secret shorter than this is refused at construction (HMAC-SHA-256 wants 32 bytes). */
export const MIN_NONCE_SECRET_LENGTH = 32

const encoder = new TextEncoder()

/** Server-issued DPoP nonces (RFC 9449 §8, §9) that need no storage. */
export interface NonceIssuer {
  /** The nonce for the current time step, to send in `DPoP-Nonce`. */
  current(): Promise<string>
  /** Whether `nonce` is the one of the current or the previous step, under any secret. */
  accepts(nonce: unknown): Promise<boolean>
}

/**
 * Stateless nonces: `<step>.<HMAC-SHA-256(secret, step)>`, where the step is the time divided
 * by `stepSeconds`. Every instance that shares the secret issues and accepts the same nonces,
 * with no store. The first secret signs; the others are still accepted, so a secret is rotated
 * by putting the new one first and dropping the old one a step later.
 *
 * @example
 * const nonces = createNonceIssuer({ secrets: [env.DPOP_NONCE_SECRET], now: Date.now })
 * response.headers.set('DPoP-Nonce', await nonces.current())
 */
export function createNonceIssuer(options: {
  secrets: readonly string[]
  stepSeconds?: number
  now: () => number
}): NonceIssuer {
  const stepMs = (options.stepSeconds ?? DEFAULT_NONCE_STEP_SECONDS) * 1000
  const keys = options.secrets.map((secret) =>
    crypto.subtle.importKey('raw', encoder.encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, [
      'sign',
      'verify',
    ]),
  )
  const stepNow = () => Math.floor(options.now() / stepMs)

  async function mac(key: Promise<CryptoKey>, step: number): Promise<string> {
    const signature = await crypto.subtle.sign('HMAC', await key, encoder.encode(`dpop-nonce:${step}`))
    return base64url.encode(new Uint8Array(signature))
  }

  return {
    async current() {
      const [signing] = keys
      if (signing === undefined) throw new TypeError('no nonce secret')
      const step = stepNow()
      return `${step}.${await mac(signing, step)}`
    },
    async accepts(nonce) {
      if (typeof nonce !== 'string' || nonce.length > 128) return false
      const match = /^(\d{1,15})\.([A-Za-z0-9_-]{43})$/.exec(nonce)
      if (match === null) return false
      const step = Number(match[1])
      const current = stepNow()
      if (step !== current && step !== current - 1) return false
      const signature = new Uint8Array(base64url.decode(match[2] ?? ''))
      for (const key of keys) {
        const ok = await crypto.subtle.verify(
          'HMAC',
          await key,
          signature,
          encoder.encode(`dpop-nonce:${step}`),
        )
        if (ok) return true
      }
      return false
    },
  }
}
