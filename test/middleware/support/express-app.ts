import { once } from 'node:events'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import express, { type RequestHandler } from 'express'
import { type JwksAuthOptions, jwksAuth, requireScopes, withAuth } from '../../../src/express/index.js'
import type { TestIssuer } from '../../../src/testing/index.js'
import { PATHS, type RowOptions } from './answer-rows.js'
import type { Harness } from './run-row.js'

/** The middleware options every test starts from: the test issuer, no network. */
export function baseOptions(idp: TestIssuer): JwksAuthOptions {
  return { issuer: idp.issuer, audience: idp.audience, fetch: idp.fetch }
}

/** A listening server on 127.0.0.1 (port 0) and its base URL; `close()` drops keep-alive sockets too. */
export interface Listening {
  url: string
  close(): Promise<void>
}

/**
 * Node refuses headers over 16 KiB with 431 before any middleware runs (docs/SECURITY.md row 46 allows
 * that); the larger limit lets the tests reach the verifier's own 16 KiB token cap.
 */
const MAX_HEADER_BYTES = 64 * 1024

export async function listen(handler: Parameters<typeof createServer>[1]): Promise<Listening> {
  const server: Server = createServer({ maxHeaderSize: MAX_HEADER_BYTES }, handler)
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    async close() {
      server.closeAllConnections()
      server.close()
      await once(server, 'close')
    },
  }
}

/**
 * An Express app with the two routes of the §5 table behind a middleware that `mount()`
 * replaces, so that every row gets a fresh key cache without a new server.
 */
export async function expressHarness(idp: TestIssuer): Promise<Harness & Listening> {
  let calls = 0
  let middleware: RequestHandler = jwksAuth(baseOptions(idp))
  const app = express()
  app.use('/api', (req, res, next) => middleware(req, res, next))
  app.get(
    PATHS.items,
    withAuth((req, res) => {
      calls += 1
      res.json({ sub: req.auth.payload.sub })
    }),
  )
  app.get(PATHS.admin, requireScopes('admin'), (_req, res) => {
    calls += 1
    res.json({ admin: true })
  })
  const server = await listen(app)
  return {
    ...server,
    mount(options: RowOptions) {
      middleware = jwksAuth({ ...baseOptions(idp), ...options })
    },
    async send({ method, url, headers }) {
      const response = await fetch(`${server.url}${url}`, { method, headers: new Headers(headers) })
      return { status: response.status, headers: response.headers, text: await response.text() }
    },
    handlerCalls: () => calls,
  }
}
