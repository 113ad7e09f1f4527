// Frameworks that carry a middleware under test. The app is built once and the middleware is
// swapped per pass, so every column goes through the same routes, handler and sockets.
import { Agent, createServer, request } from 'node:http'

const PATH = '/api/orders'

/** Hono, driven in-process with `app.request()`: no socket, only the framework. */
export function honoHost(Hono) {
  let current = (_c, next) => next()
  const app = new Hono()
  app.use('/api/*', (c, next) => current(c, next))
  app.get(PATH, (c) => c.text('ok'))
  // Hono's default error handler, without its console.error (hono/jwk throws on a failed fetch).
  app.onError((error, c) =>
    typeof error?.getResponse === 'function' ? error.getResponse() : c.text('Internal Server Error', 500),
  )
  return {
    use(middleware) {
      current = middleware
    },
    /** Resolves to the status; the body is read, as a client would. */
    async status(token) {
      const headers = token === undefined ? {} : { authorization: `Bearer ${token}` }
      const response = await app.request(PATH, { headers })
      await response.arrayBuffer()
      return response.status
    },
    close: async () => {},
  }
}

/** Express behind a real HTTP server on 127.0.0.1, with a keep-alive client in this process. */
export async function expressHost(express) {
  let current = (_req, _res, next) => next()
  const app = express()
  app.use('/api', (req, res, next) => current(req, res, next))
  app.get(PATH, (_req, res) => {
    res.type('text').send('ok')
  })
  // What an app does with a middleware's error (express-oauth2-jwt-bearer calls next(err)):
  // answer its status, without Express's development-mode stack trace on stderr.
  app.use((error, _req, res, _next) => {
    if (typeof error?.headers === 'object' && error.headers !== null) res.set(error.headers)
    res.status(typeof error?.status === 'number' ? error.status : 500).json({ error: 'unauthorized' })
  })
  const server = createServer(app)
  server.keepAliveTimeout = 60_000
  await new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', resolve)
  })
  const { port } = server.address()
  const agent = new Agent({ keepAlive: true, maxSockets: 16 })
  return {
    port,
    use(middleware) {
      current = middleware
    },
    status(token, timeoutMs = 60_000) {
      return new Promise((resolve, reject) => {
        const headers = token === undefined ? {} : { authorization: `Bearer ${token}` }
        const req = request({ host: '127.0.0.1', port, path: PATH, agent, headers }, (res) => {
          res.on('data', () => {})
          res.on('end', () => resolve(res.statusCode))
          res.on('error', reject)
        })
        req.setTimeout(timeoutMs, () => req.destroy(new Error('client timeout')))
        req.on('error', reject)
        req.end()
      })
    },
    async close() {
      agent.destroy()
      server.closeAllConnections()
      await new Promise((resolve) => server.close(resolve))
    },
  }
}
