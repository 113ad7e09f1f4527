import { once } from 'node:events'
import { createServer as createHttpsServer } from 'node:https'
import type { AddressInfo } from 'node:net'
import { serve } from '@hono/node-server'
import { Hono } from 'hono'
import { afterEach, describe, expect, it } from 'vitest'
import { type JwksAuthEnv, jwksAuth } from '../../src/hono/index.js'
import { createTestIssuer } from '../../src/testing/index.js'
import { baseOptions } from '../middleware/support/hono-app.js'
import { clientX5t, expectOnlyClientCertificatePasses, tlsServerOptions } from '../middleware/support/mtls.js'

describe('Hono on @hono/node-server over real TLS: certificate-bound tokens (RFC 8705 §3)', () => {
  let close: (() => Promise<void>) | undefined
  afterEach(async () => {
    await close?.()
    close = undefined
  })

  it('reads the peer certificate of the socket under c.env.incoming', async () => {
    const idp = await createTestIssuer()
    const x5t = await clientX5t()
    const token = await idp.sign({ sub: 'svc', cnf: { 'x5t#S256': x5t } })
    let calls = 0
    const app = new Hono<JwksAuthEnv>()
    app.use('*', jwksAuth(baseOptions(idp)))
    app.get('/items', (c) => {
      calls += 1
      return c.json({ sub: c.get('auth').payload.sub })
    })
    const server = serve({
      fetch: app.fetch,
      port: 0,
      hostname: '127.0.0.1',
      createServer: createHttpsServer,
      serverOptions: tlsServerOptions(),
    })
    if (!server.listening) await once(server, 'listening')
    close = async () => {
      ;(server as unknown as { closeAllConnections?: () => void }).closeAllConnections?.()
      server.close()
      await once(server, 'close')
    }
    const { port } = server.address() as AddressInfo
    const url = `https://127.0.0.1:${port}`
    await expectOnlyClientCertificatePasses(url, token)
    expect(calls).toBe(1)
  })
})
