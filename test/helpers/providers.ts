import { createTestIssuer, type ProviderPreset, type TestIssuer } from '../../src/testing/index.js'
import { manualClock } from './clock.js'

/** A test issuer that looks like `preset`: its issuer spelling, audience and JWKS shape. */
export async function providerIssuer(
  preset: ProviderPreset,
  clock = manualClock(),
): Promise<{
  idp: TestIssuer
  clock: ReturnType<typeof manualClock>
  token: (claims?: object) => Promise<string>
}> {
  const idp = await createTestIssuer({ issuer: preset.issuer, audience: preset.audience, now: clock.now })
  idp.serveJwks(preset.keySet(idp.publicJwks()))
  return { idp, clock, token: (claims = {}) => idp.sign({ ...preset.claims, ...claims }) }
}
