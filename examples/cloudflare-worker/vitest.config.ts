import { fileURLToPath } from 'node:url'
import { cloudflareTest } from '@cloudflare/vitest-plugin'
import { defineConfig } from 'vitest/config'

const source = (path: string) => fileURLToPath(new URL(`../../src/${path}`, import.meta.url))

// Runs the example Worker in workerd with its own wrangler.toml, as `wrangler dev` would.
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  plugins: [cloudflareTest({ wrangler: { configPath: './wrangler.toml' } })],
  // Inside this repository the package is its own source (as tsconfig.json `paths` has it);
  // in your project, delete this: `jwks-gateway` comes from node_modules.
  resolve: {
    alias: [
      { find: /^jwks-gateway\/worker$/, replacement: source('worker/index.ts') },
      { find: /^jwks-gateway\/testing$/, replacement: source('testing/index.ts') },
    ],
  },
  test: { name: 'example-cloudflare-worker', include: ['test/**/*.test.ts'] },
})
