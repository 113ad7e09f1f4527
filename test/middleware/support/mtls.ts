import { X509Certificate } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { request as httpsRequest } from 'node:https'
import { expect } from 'vitest'
import { thumbprintOfDer } from '../../../src/sender/certificate.js'

/** A file of test/fixtures/mtls (self-signed test certificates and keys). */
export const mtlsFixture = (name: string) =>
  readFileSync(new URL(`../../fixtures/mtls/${name}`, import.meta.url))

/** The RFC 8705 `x5t#S256` of the `client` fixture certificate. */
export const clientX5t = () => thumbprintOfDer(new X509Certificate(mtlsFixture('client.crt')).raw)

/** Options of a TLS server that asks for a client certificate but leaves its chain unchecked. */
export const tlsServerOptions = () => ({
  key: mtlsFixture('server.key'),
  cert: mtlsFixture('server.crt'),
  requestCert: true,
  rejectUnauthorized: false,
})

/** `GET {url}/items` over TLS with a bearer token and, optionally, a client certificate fixture. */
export function tlsGet(url: string, token: string, cert?: 'client' | 'other') {
  return new Promise<{ status: number; challenge: string }>((resolve, reject) => {
    const req = httpsRequest(`${url}/items`, {
      ca: mtlsFixture('server.crt'),
      headers: { authorization: `Bearer ${token}` },
      ...(cert === undefined ? {} : { cert: mtlsFixture(`${cert}.crt`), key: mtlsFixture(`${cert}.key`) }),
    })
    req.on('response', (res) => {
      res.resume()
      resolve({ status: res.statusCode ?? 0, challenge: String(res.headers['www-authenticate'] ?? '') })
    })
    req.on('error', reject)
    req.end()
  })
}

/**
 * A token bound to the `client` certificate passes with it, and is refused (401 invalid_token)
 * with the `other` certificate and with none.
 */
export async function expectOnlyClientCertificatePasses(url: string, token: string): Promise<void> {
  expect((await tlsGet(url, token, 'client')).status).toBe(200)
  for (const cert of ['other', undefined] as const) {
    const refused = await tlsGet(url, token, cert)
    expect(refused.status).toBe(401)
    expect(refused.challenge).toBe(
      'Bearer realm="api", error="invalid_token", error_description="The access token is invalid"',
    )
  }
}
