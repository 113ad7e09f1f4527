import { ASYMMETRIC_ALGORITHMS } from '../../jwk/algorithms.js'
import type { PublicJwk } from '../../jwk/public-jwk.js'
import {
  type DroppedJwk,
  type JwksDropReason,
  type JwksFilterRules,
  partitionJwks,
} from '../../jwks/filter.js'
import { type CliIo, formatJson, STDIO, warn, writeOutput } from '../io.js'
import type { JwkObject } from '../jwk-input.js'

const DROP_REASONS: Record<JwksDropReason, string> = {
  'not-a-jwks': 'is not a JWKS',
  'not-an-object': 'is not an object',
  private: 'holds private members',
  symmetric: 'is a shared secret (oct), which is never published',
  'unsupported-kty': 'has a key type other than RSA, EC or OKP',
  'missing-members': 'lacks key members or has malformed ones',
  'not-for-signing': 'is not for signing ("use"/"key_ops"), and a published JWKS holds signing keys only',
  'unsupported-alg': 'names an algorithm that is not supported',
  'alg-not-allowed': 'does not fit any allowed algorithm',
  'kid-denied': 'is on the deny list',
  duplicate: 'repeats an earlier key',
}

/** One line per key left out of a public set, naming the key by kid (or position) and why. */
function describeDrop(dropped: DroppedJwk): string {
  const who = dropped.kid === undefined ? `keys[${dropped.index}]` : `kid "${dropped.kid}"`
  return `${who} ${DROP_REASONS[dropped.reason]}; left out of the public JWKS`
}

/**
 * The public JWKS of a set: exactly what the gateway would publish from it (docs/gateway.md#the-public-jwks-well-knownjwksjson, the same
 * filter as `keys public`), with a warning per key left out.
 */
export function publicSetOf(
  io: CliIo,
  keys: readonly unknown[],
  rules: JwksFilterRules = {},
): { keys: PublicJwk[] } {
  const result = partitionJwks({ keys }, { algorithms: ASYMMETRIC_ALGORITHMS, ...rules })
  for (const dropped of result.dropped) warn(io, describeDrop(dropped))
  return { keys: result.keys }
}

export interface KeySetTargets {
  /** The private JWKS goes here (mode 0600); stdout when absent. */
  out?: string | undefined
  /** The public JWKS goes here. */
  publicOut?: string | undefined
}

/**
 * Writes a private JWKS and, when asked for, its public JWKS. The public set goes to
 * `--public-out`, or to stdout when the private set went to a file, so that
 * `keys generate --alg ES256 --out private.jwks.json > public.jwks.json` works and stdout
 * never mixes the two. With neither file, only the private set is printed.
 */
export async function writeKeySets(
  io: CliIo,
  keys: readonly JwkObject[],
  targets: KeySetTargets,
): Promise<void> {
  const toFile = (target: string | undefined): target is string => target !== undefined && target !== STDIO
  const wantsPublic = targets.publicOut !== undefined || toFile(targets.out)
  const publicText = wantsPublic ? formatJson(publicSetOf(io, keys)) : undefined
  // A public file first: if the private write then fails, the published set merely holds an extra
  // key; the other order could leave a signer using a key no verifier has been given. Public text
  // for stdout last, so nothing is printed for a command that then fails.
  if (publicText !== undefined && toFile(targets.publicOut))
    await writeOutput(io, publicText, { out: targets.publicOut })
  await writeOutput(io, formatJson({ keys }), { out: targets.out, secret: true })
  if (publicText !== undefined && !toFile(targets.publicOut)) io.stdout(publicText)
}
