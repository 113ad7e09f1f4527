import {
  auth0Preset,
  authgearPreset,
  cloudflareAccessPreset,
  cognitoPreset,
  createTestIssuer,
  entraPreset,
  keycloakPreset,
  oktaPreset,
  oryPreset,
  type ProviderPreset,
  type TestIssuer,
} from '../../src/testing/index.js'
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

/** One provider as each face is configured for it, and a token that names the wrong audience. */
export interface ProviderCase {
  name: string
  preset: ProviderPreset
  /** Core and middleware options beyond issuer and audience (`undefined` removes one). */
  options: Record<string, unknown>
  /** Gateway variables beyond ISSUER and AUDIENCE (`undefined` removes one). */
  vars: Record<string, string | undefined>
  /** Claims that make the token meant for someone else. */
  wrongAudience: Record<string, unknown>
}

const otherApi = { aud: 'https://other-api.example.com' }

/** The providers whose tokens every face is tested with (Firebase's certificate map has its own tests). */
export const PROVIDER_CASES: readonly ProviderCase[] = [
  { name: 'Entra ID', preset: entraPreset(), options: {}, vars: {}, wrongAudience: otherApi },
  { name: 'Auth0', preset: auth0Preset, options: {}, vars: {}, wrongAudience: otherApi },
  { name: 'Okta', preset: oktaPreset, options: {}, vars: {}, wrongAudience: otherApi },
  {
    name: 'Cognito',
    preset: cognitoPreset,
    options: { audience: undefined, clientIds: [cognitoPreset.audience], tokenUse: 'access' },
    vars: { AUDIENCE: undefined, CLIENT_IDS: cognitoPreset.audience, TOKEN_USE: 'access' },
    wrongAudience: { client_id: 'another-app-client' },
  },
  { name: 'Keycloak', preset: keycloakPreset, options: {}, vars: {}, wrongAudience: otherApi },
  {
    name: 'Ory',
    preset: oryPreset,
    options: { audience: undefined, clientIds: ['orders-client'] },
    vars: { AUDIENCE: undefined, CLIENT_IDS: 'orders-client' },
    wrongAudience: { client_id: 'another-client' },
  },
  { name: 'Authgear', preset: authgearPreset, options: {}, vars: {}, wrongAudience: otherApi },
  {
    name: 'Cloudflare Access',
    preset: cloudflareAccessPreset,
    options: {},
    vars: {},
    wrongAudience: otherApi,
  },
]

/** The test issuer's newest key marked for encryption, as Keycloak publishes its RSA-OAEP key. */
export async function addEncryptionKey(idp: TestIssuer, preset: ProviderPreset): Promise<string> {
  const kid = await idp.rotate()
  const keys = preset.keySet(idp.publicJwks()).keys
  idp.serveJwks({
    keys: keys.map((key) => (key.kid === kid ? { ...key, use: 'enc', alg: 'RSA-OAEP' } : key)),
  })
  return kid
}
