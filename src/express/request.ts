import type { TLSSocket } from 'node:tls'
import type { Request } from 'express'
import type { RequestFacts } from '../middleware/authenticate.js'
import { socketClientCertificate } from '../sender/certificate.js'

/**
 * Every value of header `name`. Node merges most repeated headers but keeps only the first
 * `Authorization`, which would hide a second token; `rawHeaders` has them all.
 */
function headerValues(req: Request, name: string): string[] {
  const raw = req.rawHeaders
  if (Array.isArray(raw) && raw.length > 0) {
    const values: string[] = []
    for (let i = 0; i + 1 < raw.length; i += 2) {
      if (raw[i]?.toLowerCase() === name) values.push(raw[i + 1] ?? '')
    }
    return values
  }
  const value = req.headers[name]
  return value === undefined ? [] : Array.isArray(value) ? value : [value]
}

/**
 * Reads the token carriers of an Express (Node) request, without Express's query parser;
 * `tokenHeader` names an extra token header.
 */
export function requestFacts(req: Request, tokenHeader: string | undefined): RequestFacts {
  // `originalUrl` survives routers that rewrite `req.url` under a mount path.
  const url = req.originalUrl ?? req.url ?? ''
  const queryStart = url.indexOf('?')
  return {
    method: req.method ?? 'GET',
    url: receivedUrl(req, url),
    headerValues: (name) => headerValues(req, name),
    clientCertificate: socketClientCertificate(req.socket),
    corsRequestMethod: headerValues(req, 'access-control-request-method').length > 0,
    carriers: {
      authorization: headerValues(req, 'authorization'),
      cookie: headerValues(req, 'cookie'),
      query: queryStart === -1 ? '' : url.slice(queryStart),
      header: tokenHeader === undefined ? [] : headerValues(req, tokenHeader),
    },
    waitUntil: undefined,
  }
}

/**
 * The URL this server received: the connection's scheme, the `Host` the client sent and the
 * original path. Not `req.protocol` nor `req.host`: with Express's `trust proxy` they come
 * from `X-Forwarded-*`, which a DPoP `htu` must not follow unless the operator says so.
 */
function receivedUrl(req: Request, path: string): string {
  const tls = (req.socket as Partial<TLSSocket> | undefined)?.encrypted === true
  const host = headerValues(req, 'host')[0] ?? headerValues(req, ':authority')[0] ?? 'localhost'
  return `${tls ? 'https' : 'http'}://${host}${path.startsWith('/') ? path : `/${path}`}`
}
