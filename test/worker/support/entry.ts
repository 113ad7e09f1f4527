// The `main` module of the workerd test project (vitest.config.ts): the root Worker, unchanged —
// its default export and every class it exports (wrangler.toml binds them) — plus one named
// entrypoint whose handler a test sets. Through
// `exports.TestHandler.fetch()` a test sends a real request through workerd, with its own
// ExecutionContext, that a client can cancel with an AbortSignal.
import { WorkerEntrypoint } from 'cloudflare:workers'
import type { ExecutionContextLike } from '../../../src/worker/env.js'

export * from '../../../src/worker/entry.js'
export { default } from '../../../src/worker/entry.js'

type Handle = (request: Request, ctx: ExecutionContextLike) => Promise<Response>

/** What `TestHandler` runs; a test sets it before sending requests. Same isolate as the tests. */
export const scenario: { handle: Handle | undefined } = { handle: undefined }

export class TestHandler extends WorkerEntrypoint {
  override async fetch(request: Request): Promise<Response> {
    if (scenario.handle === undefined) return new Response('no scenario', { status: 500 })
    return scenario.handle(request, this.ctx)
  }
}
