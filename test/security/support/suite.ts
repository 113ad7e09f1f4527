import { afterEach, beforeAll, beforeEach, it } from 'vitest'
import type { TestIssuerOptions } from '../../../src/testing/index.js'
import { closeTargets, type Layer } from './layers.js'
import { createWorld, type World } from './world.js'

/**
 * One test issuer per file (key generation is the slow part), healed and rewound before each
 * test; targets are built per test, so every test starts with a cold key cache of its own.
 */
export function useWorld(options: TestIssuerOptions = {}): () => World {
  let world: World | undefined
  beforeAll(async () => {
    world = await createWorld(options)
  })
  beforeEach(() => world?.reset())
  afterEach(closeTargets)
  return () => {
    if (world === undefined) throw new Error('the world is built in beforeAll')
    return world
  }
}

/** One test per layer, titled `<title> [<layer>]`, so the docs/SECURITY.md row number leads. */
export function eachLayer(
  layers: readonly Layer[],
  title: string,
  test: (layer: Layer) => Promise<void>,
  timeoutMs?: number,
) {
  for (const layer of layers) it(`${title} [${layer}]`, () => test(layer), timeoutMs)
}

/** For the flood rows (61, 63, 67): thousands of requests, on a machine busy with other files. */
export const FLOOD_TIMEOUT_MS = 60_000
