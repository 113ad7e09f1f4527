// Imports one of this package's TypeScript modules from plain Node (see ts-hooks.mjs).
import { registerHooks } from 'node:module'
import { resolve } from './ts-hooks.mjs'

let registered = false

/**
 * Imports a `.ts` module of this repository with Node's type stripping (on by default since
 * Node 22.18 / 23.6; older Node needs `--experimental-strip-types`, which start.mjs adds).
 * @param {URL} url
 */
export async function importTs(url) {
  if (!registered) {
    registerHooks({ resolve })
    registered = true
  }
  return import(url.href)
}
