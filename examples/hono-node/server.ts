// A small Hono API on Node behind `jwksAuth`, against a local test issuer on 127.0.0.1.
// Run with `npm run example:hono` (it builds first: the example imports the package by name).
// PORT picks the port (default 3000; 0 for any free one). Ctrl-C stops it.
import { serve } from '@hono/node-server'
import { Hono } from 'hono'
import { type JwksAuthEnv, jwksAuth, requireScopes } from 'jwks-gateway/hono'
import { startTestIssuerServer } from 'jwks-gateway/testing/node'

const HOST = '127.0.0.1'
const TOKEN_LIFETIME_SECONDS = 3600

const idp = await startTestIssuerServer()

const app = new Hono<JwksAuthEnv>()
app.get('/', (c) => c.json({ hello: 'anyone' }))
// Built once here: the verifier and its JWKS cache live as long as the app.
app.use('/api/*', jwksAuth({ issuer: idp.url, audience: idp.issuer.audience }))
app.get('/api/me', (c) => c.json({ sub: c.get('auth').payload.sub }))
app.get('/api/admin', requireScopes('admin'), (c) => c.json({ admin: true, sub: c.get('auth').payload.sub }))

const port = Number(process.env.PORT ?? 3000)
const server = serve({ fetch: app.fetch, hostname: HOST, port }, async (info) => {
  const origin = `http://${HOST}:${info.port}`
  const lifetime = { expiresInSeconds: TOKEN_LIFETIME_SECONDS }
  const reader = await idp.issuer.sign({ sub: 'alice', scope: 'read' }, lifetime)
  const admin = await idp.issuer.sign({ sub: 'root', scope: 'read admin' }, lifetime)
  console.log(`listening on ${origin} (issuer ${idp.url})`)
  console.log(`curl ${origin}/`)
  console.log(`curl -H "Authorization: Bearer ${reader}" ${origin}/api/me`)
  console.log(`curl -H "Authorization: Bearer ${admin}" ${origin}/api/admin`)
})

server.on('error', (error: NodeJS.ErrnoException) => {
  const why = error.code === 'EADDRINUSE' ? `port ${port} on ${HOST} is in use (EADDRINUSE)` : error.message
  console.error(`cannot listen: ${why}; set PORT to another port (0 picks a free one)`)
  void idp.close().then(() => process.exit(1))
})

process.once('SIGINT', () => {
  server.close()
  void idp.close().then(() => console.log('stopped'))
})
