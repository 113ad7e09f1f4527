// The tsconfig uses the DOM library, not @cloudflare/workers-types (they clash), so the one
// workerd module the tests import is described here, as narrowly as the tests use it.
declare module 'cloudflare:workers' {
  /** The bindings of the test Worker (wrangler.toml plus vitest.config.ts miniflare options). */
  export const env: Readonly<Record<string, unknown>>
  /**
   * The main module's exports (test/worker/support/entry.ts) as loopback bindings: `default` is
   * the root Worker (src/worker/entry.ts), `TestHandler` a handler a test sets.
   */
  export const exports: Readonly<Record<string, unknown>>
  /** A named entrypoint; workerd gives each request its own `ctx`. */
  export abstract class WorkerEntrypoint<Env = unknown> {
    protected readonly ctx: { waitUntil(promise: Promise<unknown>): void }
    protected readonly env: Env
    constructor(ctx: unknown, env: Env)
    fetch?(request: Request): Response | Promise<Response>
  }
}
