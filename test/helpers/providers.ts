import { createTestIssuer, type ProviderPreset, type TestIssuer } from '../../src/testing/index.js'
import { selfSignedCertificate } from '../security/support/x509.js'
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

/** Google's `x509` key document for the test issuer's (RSA) keys: kid → PEM certificate. */
export async function certificateMap(idp: TestIssuer): Promise<Record<string, string>> {
  const map: Record<string, string> = {}
  for (const key of idp.privateJwks().keys) {
    const der = await selfSignedCertificate(key, 'securetoken.system.gserviceaccount.com')
    map[key.kid ?? ''] =
      `-----BEGIN CERTIFICATE-----\n${der.match(/.{1,64}/g)?.join('\n')}\n-----END CERTIFICATE-----\n`
  }
  return map
}
