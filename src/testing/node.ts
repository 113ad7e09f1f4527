/// <reference types="node" />
// Node-only entry: the build config loads no global types, so this file asks for Node's itself.
/**
 * `jwks-gateway/testing/node`: the test issuer on a real socket, for clients that cannot take an
 * injected `fetch` (another process, workerd under `wrangler dev`, curl). Node only.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import type { ReadableStream as NodeReadableStream } from 'node:stream/web'
import { isLoopbackHost } from '../cache/transport.js'
import { CONNECTION_REFUSED, type Dispatch } from './fake-fetch.js'
import { buildTestIssuer } from './issuer.js'
import type { TestIssuer, TestIssuerOptions } from './types.js'

/** Options of {@link startTestIssuerServer}: the issuer URL is the server's own. */
export type TestIssuerServerOptions = Omit<TestIssuerOptions, 'issuer'> & {
  /** Port on 127.0.0.1; default 0, a free one. */
  port?: number
}

/** A running test issuer server. */
export interface TestIssuerServer {
  /** The issuer, whose `issuer` is {@link TestIssuerServer.url}. */
  issuer: TestIssuer
  /** `http://127.0.0.1:<port>`, without a trailing slash. */
  url: string
  /** Stops listening and drops open connections (hanging and dripping ones included). */
  close(): Promise<void>
}

/** A Host field (RFC 9110 §7.2): a name or IPv4 address, or a bracketed IPv6 literal, then an optional port. */
const HOST_FIELD = /^(\[[0-9a-f:.]+\]|[^\s:@/\\[\]]+)(?::\d{1,5})?$/i

/**
 * Whether the request names this machine in its one Host field. A page on another site can
 * point its own name at 127.0.0.1 (DNS rebinding) and then read what it sends to the issuer as
 * same-origin — minted tokens included; such a request carries that name as Host.
 */
function hasLoopbackHost(req: IncomingMessage): boolean {
  const hosts: string[] = []
  for (let i = 0; i + 1 < req.rawHeaders.length; i += 2)
    if (req.rawHeaders[i]?.toLowerCase() === 'host') hosts.push(req.rawHeaders[i + 1] ?? '')
  const match = hosts.length === 1 ? HOST_FIELD.exec(hosts[0] ?? '') : null
  return match?.[1] !== undefined && isLoopbackHost(match[1].toLowerCase())
}

/** Adapts a Node request to a Fetch-API one; the body streams through unread. */
function toRequest(req: IncomingMessage, origin: string, signal: AbortSignal): Request {
  const headers = new Headers()
  for (let i = 0; i + 1 < req.rawHeaders.length; i += 2)
    headers.append(req.rawHeaders[i]!, req.rawHeaders[i + 1]!)
  const method = req.method ?? 'GET'
  const hasBody = method !== 'GET' && method !== 'HEAD'
  const init: RequestInit & { duplex?: 'half' } = { method, headers, signal }
  if (hasBody) {
    init.body = Readable.toWeb(req) as ReadableStream<Uint8Array>
    // Node requires `duplex: 'half'` for a streamed request body.
    init.duplex = 'half'
  }
  return new Request(new URL(req.url ?? '/', origin), init)
}

/** Writes a Fetch-API response to Node, streaming the body with backpressure. */
async function writeResponse(req: IncomingMessage, res: ServerResponse, response: Response): Promise<void> {
  const headers: Record<string, string> = {}
  response.headers.forEach((value, name) => {
    headers[name] = value
  })
  res.writeHead(response.status, headers)
  if (response.body === null || req.method === 'HEAD') {
    await response.body?.cancel()
    res.end()
    return
  }
  // Headers go out at once: the drip mode promises them before the first body byte.
  res.flushHeaders()
  // If the client leaves, pipeline destroys the source, which cancels the stream and its timers.
  await pipeline(Readable.fromWeb(response.body as NodeReadableStream<Uint8Array>), res)
}

async function serve(
  req: IncomingMessage,
  res: ServerResponse,
  origin: string,
  dispatch: Dispatch,
): Promise<void> {
  const controller = new AbortController()
  // A client that disconnects before the answer is complete aborts the request, like in workerd.
  res.on('close', () => {
    if (!res.writableFinished) controller.abort()
  })
  try {
    const response = await dispatch(toRequest(req, origin, controller.signal), controller.signal)
    if (response === CONNECTION_REFUSED) {
      req.socket.destroy()
      return
    }
    await writeResponse(req, res, response)
  } catch (error) {
    if (controller.signal.aborted) return
    if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' }).end(String(error))
    else res.destroy()
  }
}

function listen(server: Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject)
      resolve((server.address() as AddressInfo).port)
    })
  })
}

/**
 * Starts a test issuer on `http://127.0.0.1:<port>`: the same endpoints as
 * {@link TestIssuer.handle}, and in `down` mode the connection is destroyed without an answer.
 * Every request must name a loopback Host (`127.0.0.1`, `localhost`, `[::1]`), else 421: a
 * DNS-rebinding page never reads it; the admin routes also take JSON bodies only.
 */
export async function startTestIssuerServer(
  options: TestIssuerServerOptions = {},
): Promise<TestIssuerServer> {
  const { port = 0, ...issuerOptions } = options
  let dispatch: Dispatch | undefined
  let origin = ''
  const server = createServer((req, res) => {
    // The URL is only handed out once the issuer exists, so this is a stray early request.
    if (dispatch === undefined) res.writeHead(503).end()
    else if (!hasLoopbackHost(req)) {
      // 421 Misdirected Request (RFC 9110 §15.5.20): this server does not answer for that name.
      res
        .writeHead(421, { 'content-type': 'text/plain', connection: 'close' })
        .end('the test issuer answers only for 127.0.0.1, localhost and [::1]')
    } else void serve(req, res, origin, dispatch)
  })
  origin = `http://127.0.0.1:${await listen(server, port)}`
  let closing: Promise<void> | undefined
  const close = (): Promise<void> => {
    closing ??= new Promise<void>((resolve, reject) => {
      server.close((error) => (error === undefined ? resolve() : reject(error)))
      server.closeAllConnections()
    })
    return closing
  }
  try {
    const core = await buildTestIssuer({ ...issuerOptions, issuer: origin })
    dispatch = core.dispatch
    return { issuer: core.issuer, url: origin, close }
  } catch (error) {
    await close()
    throw error
  }
}
