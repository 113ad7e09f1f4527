import { generateKeyPair as dpopKeyPair, generateProof } from 'dpop'
import { base64url, calculateJwkThumbprint, exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose'
import { accessTokenHash } from '../../src/sender/dpop-proof.js'

/** A DPoP client key: proofs by the `dpop` library (by jose's author) and by hand. */
export async function dpopClient(clientAlg: 'ES256' | 'Ed25519' | 'PS256' | 'RS256' = 'ES256') {
  const keypair = await dpopKeyPair(clientAlg, { extractable: true })
  const publicJwk = await exportJWK(keypair.publicKey)
  const privateJwk = await exportJWK(keypair.privateKey)
  const jkt = await calculateJwkThumbprint(publicJwk, 'sha256')
  return {
    keypair,
    publicJwk,
    privateJwk,
    jkt,
    /** A proof as a real client makes it. */
    proof: (htu: string, htm: string, accessToken: string, nonce?: string) =>
      generateProof(keypair, htu, htm, nonce, accessToken),
    /** A hand-made proof: every header member and claim can be overridden or removed (undefined). */
    async forge(
      claims: Record<string, unknown>,
      header: Record<string, unknown> = {},
      alg: string = clientAlg,
    ) {
      const protectedHeader = Object.fromEntries(
        Object.entries({ typ: 'dpop+jwt', alg, jwk: publicJwk, ...header }).filter(
          ([, v]) => v !== undefined,
        ),
      )
      const payload = Object.fromEntries(Object.entries(claims).filter(([, v]) => v !== undefined))
      return new SignJWT(payload)
        .setProtectedHeader(protectedHeader as { alg: string })
        .sign(keypair.privateKey)
    },
  }
}

/** The claims a valid proof for this request carries, to be overridden one at a time. */
export async function proofClaims(htm: string, htu: string, token: string, iatSeconds: number) {
  return { jti: crypto.randomUUID(), htm, htu, iat: iatSeconds, ath: await accessTokenHash(token) }
}

/** An HS256 proof: the "key" in its header is a symmetric one. */
export async function hmacProof(claims: Record<string, unknown>): Promise<string> {
  const secret = crypto.getRandomValues(new Uint8Array(32))
  const jwk: JWK = { kty: 'oct', k: base64url.encode(secret) }
  return new SignJWT(claims).setProtectedHeader({ typ: 'dpop+jwt', alg: 'HS256', jwk }).sign(secret)
}

/** An unsigned proof (`alg: none`). */
export function unsignedProof(claims: Record<string, unknown>, jwk: JWK): string {
  const part = (value: unknown) => base64url.encode(JSON.stringify(value))
  return `${part({ typ: 'dpop+jwt', alg: 'none', jwk })}.${part(claims)}.`
}

export { generateKeyPair }
