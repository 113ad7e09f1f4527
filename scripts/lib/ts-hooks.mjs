// Lets plain Node import this package's TypeScript sources directly: the sources use `.js`
// specifiers (TypeScript's NodeNext convention), and Node's built-in type stripping only runs
// `.ts` files it is pointed at. This resolve hook maps a relative `./x.js` to `./x.ts` when
// only the `.ts` file exists, so `npm start` needs no build step.
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

/** @type {import('node:module').ResolveHookSync} */
export function resolve(specifier, context, nextResolve) {
  const relative = specifier.startsWith('./') || specifier.startsWith('../')
  if (relative && specifier.endsWith('.js') && context.parentURL?.startsWith('file:')) {
    const candidate = new URL(specifier.replace(/\.js$/, '.ts'), context.parentURL)
    const original = new URL(specifier, context.parentURL)
    if (!existsSync(fileURLToPath(original)) && existsSync(fileURLToPath(candidate))) {
      return nextResolve(candidate.href, context)
    }
  }
  return nextResolve(specifier, context)
}
