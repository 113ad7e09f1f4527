// Where the code under test comes from: a private snapshot of the root `dist/`, and the root's own
// `jose`, `hono` and `express` (the exact copies our dist imports), never bench/node_modules' ones.
import { existsSync } from 'node:fs'
import { cp, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

export const BENCH_DIR = fileURLToPath(new URL('..', import.meta.url))
export const ROOT_DIR = resolve(BENCH_DIR, '..')

/**
 * Copies `dist/` to a temporary directory whose `node_modules` links to the root's. Colleagues'
 * `npm test` rebuilds `dist/` (rm -rf first) at any time; a run must not see half a build. Bare
 * imports from the snapshot resolve through the link to the root packages, and ESM resolution
 * follows the link to the real path, so `jose` is one module instance for us and for the peers
 * that are jose itself.
 */
export async function snapshotDist(distDir = join(ROOT_DIR, 'dist')) {
  if (!existsSync(join(distDir, 'index.js'))) {
    throw new Error(`${distDir}/index.js is missing: run \`npm run build\` at the root first`)
  }
  const dir = await mkdtemp(join(tmpdir(), 'jwks-gateway-bench-'))
  await cp(distDir, join(dir, 'dist'), { recursive: true })
  await symlink(join(ROOT_DIR, 'node_modules'), join(dir, 'node_modules'), 'dir')
  await writeFile(join(dir, 'load.mjs'), 'export const load = (specifier) => import(specifier)\n')
  const { load } = await import(pathToFileURL(join(dir, 'load.mjs')).href)
  const has = (rel) => existsSync(join(dir, 'dist', rel))
  return {
    dir,
    /** Imports a bare specifier as the root package sees it (`jose`, `hono/jwk`, `express`). */
    load,
    /** Imports a file of the snapshot's dist, e.g. `index.js`; undefined when it does not exist. */
    async dist(rel) {
      return has(rel) ? import(pathToFileURL(join(dir, 'dist', rel)).href) : undefined
    },
    has,
    cleanup: () => rm(dir, { recursive: true, force: true }),
  }
}

/** Imports a peer from bench/node_modules; resolves to `{ error }` when it is not installed. */
export async function loadPeer(specifier) {
  try {
    return { module: await import(specifier) }
  } catch (error) {
    return { error: `not installed (npm --prefix bench ci): ${firstLine(error)}` }
  }
}

export function firstLine(error) {
  const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error)
  return text.split('\n')[0].slice(0, 160)
}
