import express from 'express'
import { getAuth, jwksAuth } from '../../../src/express/index.js'
import { listen } from '../../middleware/support/express-app.js'
import { API_PATH, type Probe, probeOf, type Send, type Wiring } from './layers.js'

/** Express 5 on 127.0.0.1 (Node only), driven with the real `fetch`. */
export async function expressImpl(w: Wiring) {
  let seen: Probe['seen']
  const app = express()
  app.use(
    '/api',
    jwksAuth({
      ...w.verifierOptions,
      ...(w.options.query === undefined ? {} : { query: w.options.query }),
      ...(w.options.cookie === undefined ? {} : { cookie: w.options.cookie }),
      onError: (error) => {
        w.codes.push(error.code)
        w.errors.push(error)
      },
    }),
  )
  app.use('/api', (req, res) => {
    const auth = getAuth(req)
    seen = auth === undefined ? undefined : { payload: auth.payload }
    res.json({ sub: auth?.payload.sub ?? null })
  })
  const server = await listen(app)
  return {
    async send(request: Send): Promise<Probe> {
      seen = undefined
      const before = w.codes.length
      const headers = new Headers()
      if (request.token !== undefined) headers.append('authorization', `Bearer ${request.token}`)
      for (const [name, value] of request.headers ?? []) headers.append(name, value)
      const response = await fetch(`${server.url}${request.path ?? API_PATH}${request.query ?? ''}`, {
        method: request.method ?? 'GET',
        headers,
      })
      return probeOf('express', response, w.codes.slice(before).at(-1), seen)
    },
    close: () => server.close(),
  }
}
