// A small Express API behind `jwksAuth`, against a local test issuer on 127.0.0.1.
// Run with `npm run example:express` (it builds first: the example imports the package by name).
// PORT picks the port (default 3000; 0 for any free one). Ctrl-C stops it.
import type { AddressInfo } from 'node:net'
import express from 'express'
import { jwksAuth, requireScopes, withAuth } from 'jwks-gateway/express'
import { startTestIssuerServer } from 'jwks-gateway/testing/node'

const HOST = '127.0.0.1'
const TOKEN_LIFETIME_SECONDS = 3600

const idp = await startTestIssuerServer()

const app = express()
app.get('/', (_req, res) => {
  res.json({ hello: 'anyone' })
})
// Built once here: the verifier and its JWKS cache live as long as the app.
app.use('/api', jwksAuth({ issuer: idp.url, audience: idp.issuer.audience }))
// withAuth types `req.auth` (and refuses to run without it): no global augmentation needed.
app.get(
  '/api/me',
  withAuth((req, res) => {
    res.json({ sub: req.auth.payload.sub })
  }),
)
app.get(
  '/api/admin',
  requireScopes('admin'),
  withAuth((req, res) => {
    res.json({ admin: true, sub: req.auth.payload.sub })
  }),
)

const port = Number(process.env.PORT ?? 3000)
// Express 5 hands a listen error (a busy port) to this callback.
const server = app.listen(port, HOST, async (error?: Error) => {
  if (error !== undefined) return cannotListen(error)
  const origin = `http://${HOST}:${(server.address() as AddressInfo).port}`
  const lifetime = { expiresInSeconds: TOKEN_LIFETIME_SECONDS }
  const reader = await idp.issuer.sign({ sub: 'alice', scope: 'read' }, lifetime)
  const admin = await idp.issuer.sign({ sub: 'root', scope: 'read admin' }, lifetime)
  console.log(`listening on ${origin} (issuer ${idp.url})`)
  console.log(`curl ${origin}/`)
  console.log(`curl -H "Authorization: Bearer ${reader}" ${origin}/api/me`)
  console.log(`curl -H "Authorization: Bearer ${admin}" ${origin}/api/admin`)
})

function cannotListen(error: NodeJS.ErrnoException): void {
  const why = error.code === 'EADDRINUSE' ? `port ${port} on ${HOST} is in use (EADDRINUSE)` : error.message
  console.error(`cannot listen: ${why}; set PORT to another port (0 picks a free one)`)
  void idp.close().then(() => process.exit(1))
}

process.once('SIGINT', () => {
  server.close()
  void idp.close().then(() => console.log('stopped'))
})
