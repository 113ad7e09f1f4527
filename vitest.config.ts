import { cloudflareTest } from '@cloudflare/vitest-plugin'
import { defineConfig } from 'vitest/config'

// Test files named `*.test.ts` run in both runtimes (the core must behave the same in workerd and
// Node); `*.node.test.ts` only in Node (real sockets, child processes); `*.workers.test.ts` only
// in workerd (Worker entry, Cache API, KV).
export default defineConfig({
  test: {
    projects: [
      {
        plugins: [cloudflareTest({ wrangler: { configPath: './wrangler.toml' } })],
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
