import { base64url } from 'jose'

/**
 * The RFC 8705 §3.1 `x5t#S256` form of a client certificate: base64url of the SHA-256 of its
 * DER encoding. Runtimes hand the certificate over in different shapes; each has a reader here.
 */

/** From the DER bytes (Node's `getPeerCertificate().raw`). */
export async function thumbprintOfDer(der: Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new Uint8Array(der))
  return base64url.encode(new Uint8Array(digest))
}

/**
 * From a SHA-256 fingerprint in hex, with or without `:` separators, any case (Workers'
 * `cf.tlsClientAuth.certFingerprintSHA256`, Node's `fingerprint256`, most proxies), or already
 * in base64url. Undefined for anything else, so a garbled value never matches.
 */
export function thumbprintFromFingerprint(value: string | undefined | null): string | undefined {
  if (value === undefined || value === null) return undefined
  const trimmed = value.trim()
  if (/^[A-Za-z0-9_-]{43}$/.test(trimmed)) return trimmed
  const hex = trimmed.replaceAll(':', '')
  if (!/^[0-9A-Fa-f]{64}$/.test(hex)) return undefined
  const bytes = new Uint8Array(32)
  for (let i = 0; i < 32; i += 1) bytes[i] = Number.parseInt(hex.slice(i * 2, i * 2 + 2), 16)
  return base64url.encode(bytes)
}

/**
 * The client certificate's `x5t#S256` on Workers, from `request.cf.tlsClientAuth` (set when
 * mTLS is configured for the zone); undefined elsewhere or when none was presented.
 */
export function workersClientCertificate(request: Request): string | undefined {
  const cf = (
    request as { cf?: { tlsClientAuth?: { certPresented?: string; certFingerprintSHA256?: string } } }
  ).cf
  const auth = cf?.tlsClientAuth
  if (auth?.certPresented !== '1') return undefined
  return thumbprintFromFingerprint(auth.certFingerprintSHA256)
}

/** The part of a Node `TLSSocket` read here, typed structurally so nothing imports `node:tls`. */
interface PeerCertificateSocket {
  getPeerCertificate?: () => { fingerprint256?: string } | null | undefined
}

/**
 * The client certificate's `x5t#S256` on Node, from a TLS socket's peer certificate (Express's
 * `req.socket`, `@hono/node-server`'s `c.env.incoming.socket`); undefined on a plain socket or
 * when the client presented none.
 */
export function socketClientCertificate(socket: unknown): string | undefined {
  const getPeerCertificate = (socket as PeerCertificateSocket | null | undefined)?.getPeerCertificate
  if (typeof getPeerCertificate !== 'function') return undefined
  return thumbprintFromFingerprint(getPeerCertificate.call(socket)?.fingerprint256)
}
