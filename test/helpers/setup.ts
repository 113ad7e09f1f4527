import { createVerifier, type VerifierEvent, type VerifierOptions } from '../../src/index.js'
import { createTestIssuer, type TestIssuer, type TestIssuerOptions } from '../../src/testing/index.js'
import { manualClock } from './clock.js'

/** A test issuer and a verifier wired to it through the issuer's counting fetch and one clock. */
export async function setup(
  options: { issuer?: TestIssuerOptions; verifier?: Partial<VerifierOptions>; warm?: boolean } = {},
) {
  const clock = manualClock()
  const idp: TestIssuer = await createTestIssuer({ now: clock.now, ...options.issuer })
  const events: VerifierEvent[] = []
  const verifier = createVerifier({
    issuer: idp.issuer,
    audience: idp.audience,
    fetch: idp.fetch,
    now: clock.now,
    onEvent: (event) => events.push(event),
    ...options.verifier,
  })
  if (options.warm === true) {
    // A cold cache fetches only for tokens that could pass, so claim tests start warm.
    await verifier.verify(await idp.sign()).catch(() => undefined)
    idp.resetCounts()
    events.length = 0
  }
  return { clock, idp, verifier, events }
}

/** Resolves to the rejection's `code`, or fails the test if the promise resolved. */
export async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise
  } catch (error) {
    return (error as { code?: string }).code ?? `not a JwtAuthError: ${String(error)}`
  }
  throw new Error('expected a rejection')
}
