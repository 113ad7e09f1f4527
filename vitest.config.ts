import { cloudflareTest } from '@cloudflare/vitest-plugin'
import { defineConfig } from 'vitest/config'

// Test files named `*.test.ts` run in both runtimes (the core must behave the same in workerd and
// Node); `*.node.test.ts` only in Node (real sockets, child processes); `*.workers.test.ts` only
// in workerd (Worker entry, Cache API, KV). examples/cloudflare-worker is a project of its own:
// test/package/pack.node.test.ts copies it out of the repository and runs its tests there.
export default defineConfig({
  test: {
    projects: [
      {
        plugins: [
          cloudflareTest({
            wrangler: { configPath: './wrangler.toml' },
            // The root Worker plus a named entrypoint for tests that need a real, cancellable
            // request (test/worker/support/entry.ts).
            main: './test/worker/support/entry.ts',
            // Test-only KV namespace: the root Worker itself keeps the Cache API by default.
            miniflare: { kvNamespaces: ['TEST_KV'] },
          }),
        ],
        test: {
          name: 'workers',
          include: ['test/**/*.test.ts'],
          exclude: ['test/**/*.node.test.ts'],
        },
      },
      {
        test: {
          name: 'node',
          environment: 'node',
          include: ['test/**/*.test.ts'],
          exclude: ['test/**/*.workers.test.ts'],
        },
      },
    ],
  },
})
