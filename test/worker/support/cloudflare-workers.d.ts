// The tsconfig uses the DOM library, not @cloudflare/workers-types (they clash), so the one
// workerd module the tests import is described here, as narrowly as the tests use it.
declare module 'cloudflare:workers' {
  /** The bindings of the test Worker (wrangler.toml plus vitest.config.ts miniflare options). */
  export const env: Readonly<Record<string, unknown>>
  /** The main module's exports; `default` is the root Worker (src/worker/entry.ts). */
  export const exports: Readonly<Record<string, unknown>>
}
