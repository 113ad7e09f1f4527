import { Hono } from 'hono'
import { type JwksAuthEnv, type JwksAuthOptions, jwksAuth, requireScopes } from '../../../src/hono/index.js'
import type { TestIssuer } from '../../../src/testing/index.js'
import { PATHS, type RowOptions } from './answer-rows.js'
import type { Harness } from './run-row.js'

/** The middleware options every test starts from: the test issuer, no network. */
export function baseOptions(idp: TestIssuer): JwksAuthOptions {
  return { issuer: idp.issuer, audience: idp.audience, fetch: idp.fetch }
}

/** A Hono app with the two routes of the §5 table, counting handler runs. */
export function honoApp(idp: TestIssuer, options: RowOptions = {}) {
  let calls = 0
  const app = new Hono<JwksAuthEnv>()
  app.use('/api/*', jwksAuth({ ...baseOptions(idp), ...options }))
  app.get(PATHS.items, (c) => {
    calls += 1
    return c.json({ sub: c.get('auth').payload.sub })
  })
  app.get(PATHS.admin, requireScopes('admin'), (c) => {
    calls += 1
    return c.json({ admin: true })
  })
  return { app, calls: () => calls }
}

/** Drives {@link honoApp} through `app.request()`: the same in workerd and Node. */
export function honoHarness(idp: TestIssuer): Harness {
  let current = honoApp(idp)
  return {
    mount(options) {
      current = honoApp(idp, options)
    },
    async send({ method, url, headers }) {
      const init: RequestInit = { method, headers: new Headers(headers) }
      const response = await current.app.request(url, init)
      return { status: response.status, headers: response.headers, text: await response.text() }
    },
    handlerCalls: () => current.calls(),
  }
}
