import type { JWK } from 'jose'
import type { TestClaims } from './types.js'

/**
 * The shapes a real identity provider gives its access tokens and key sets, for a test issuer
 * to imitate: `createTestIssuer({ issuer: preset.issuer, audience: preset.audience })`, then
 * `idp.serveJwks(preset.keySet(idp.publicJwks()))` and `idp.sign(preset.claims)`. Values are
 * made up; the shapes (claim names and types, issuer spelling, JWKS members) follow each
 * provider's published documents.
 */
export interface ProviderPreset {
  /** The `iss` of its tokens and the `issuer` of its discovery document, spelled exactly. */
  readonly issuer: string
  /** What its access tokens carry in `aud` (a token preset may still leave `aud` out). */
  readonly audience: string
  /** The claims of a typical access token besides `iss`, `iat` and `exp`. */
  readonly claims: TestClaims
  /** The provider's JWKS built from the test issuer's own: the members it adds or leaves out. */
  keySet(jwks: { keys: JWK[] }): { keys: JWK[] }
}

/** Tenant ids of the Entra presets: two customers of one multi-tenant app. */
export const ENTRA_TENANTS = {
  contoso: '72f988bf-86f1-41af-91ab-2d7cd011db47',
  fabrikam: '9188040d-6c67-4c5b-b112-36a304b66dad',
} as const

/** The literal issuer of Entra's `/common/v2.0` and `/organizations/v2.0` discovery documents. */
export const ENTRA_ISSUER_TEMPLATE = 'https://login.microsoftonline.com/{tenantid}/v2.0'

/** Entra ID v2 keys: no `alg`, an `x5t` and `x5c`, and the issuer they sign for (`{tenantid}` for common keys). */
function entraKeys(issuer: string) {
  return (jwks: { keys: JWK[] }) => ({
    keys: jwks.keys.map(({ alg: _alg, ...key }) => ({ ...key, x5t: key.kid ?? '', issuer }) as JWK),
  })
}

/** An Entra ID v2 access token of tenant `tid` for the API app `api://orders`: `scp` is one space-separated string. */
export function entraPreset(tid: string = ENTRA_TENANTS.contoso): ProviderPreset {
  const issuer = `https://login.microsoftonline.com/${tid}/v2.0`
  return {
    issuer,
    audience: 'api://orders',
    claims: {
      aud: 'api://orders',
      tid,
      oid: '00000000-0000-0000-66f3-3332eca7ea81',
      azp: '6e74172b-be56-4843-9ff4-e66a39bb12e3',
      scp: 'access_as_user User.Read',
      ver: '2.0',
      sub: 'AAAAAAAAAAAAAAAAAAAAAIkzqFVrSaSaFHy782bbtaQ',
    },
    keySet: entraKeys(ENTRA_ISSUER_TEMPLATE),
  }
}

/** Auth0: the issuer ends with `/`, `aud` is an array with the userinfo URL, `scope` a string. */
export const auth0Preset: ProviderPreset = {
  issuer: 'https://example-tenant.eu.auth0.com/',
  audience: 'https://orders.example.com',
  claims: {
    aud: ['https://orders.example.com', 'https://example-tenant.eu.auth0.com/userinfo'],
    azp: 'kbyuFDidLLm280LIwVFiazOqjO3ty8KH',
    scope: 'openid profile read:orders',
    permissions: ['read:orders'],
    sub: 'auth0|5f7c8ec7c33c6c004bbafe82',
  },
  keySet: (jwks) => ({ keys: jwks.keys.map((key) => ({ ...key, x5t: key.kid ?? '' })) }),
}

/** Okta custom authorization server: `scp` is an array, `cid` the client, `aud` a plain string. */
export const oktaPreset: ProviderPreset = {
  issuer: 'https://example.okta.com/oauth2/default',
  audience: 'api://default',
  claims: {
    aud: 'api://default',
    cid: '0oa1example2HJbq8x5d7',
    uid: '00u1example0AnJ3g5d7',
    scp: ['openid', 'orders.read'],
    ver: 1,
    sub: 'user@example.com',
  },
  keySet: (jwks) => jwks,
}

/** Cognito access token: no `aud` at all; `client_id`, `token_use: "access"` and a `scope` string. */
export const cognitoPreset: ProviderPreset = {
  issuer: 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Example1',
  audience: '1example23456789',
  claims: {
    aud: undefined,
    client_id: '1example23456789',
    token_use: 'access',
    scope: 'orders/read openid',
    username: 'jane',
    sub: 'aaaaaaaa-bbbb-cccc-dddd-example',
  },
  keySet: (jwks) => jwks,
}

/** Keycloak: a realm path in the issuer, `azp` the client, `aud` an array with `account`. */
export const keycloakPreset: ProviderPreset = {
  issuer: 'https://sso.example.com/realms/shop',
  audience: 'orders-api',
  claims: {
    aud: ['orders-api', 'account'],
    azp: 'shop-frontend',
    typ: 'Bearer',
    scope: 'openid email profile',
    realm_access: { roles: ['default-roles-shop'] },
    sub: 'f1b7e4d8-0000-4000-8000-000000000001',
  },
  // Keycloak also publishes an RSA-OAEP key marked `use: enc` beside its signing keys; a test
  // adds one with `rotate()` and that key's `use` set to `enc`.
  keySet: (jwks) => ({
    keys: jwks.keys.map((key) => ({ ...key, x5t: key.kid ?? '', 'x5t#S256': key.kid ?? '' })),
  }),
}

/** Firebase Auth ID token: the issuer and `aud` name the project; keys come as an X.509 certificate map. */
export const firebasePreset: ProviderPreset = {
  issuer: 'https://securetoken.google.com/example-project',
  audience: 'example-project',
  claims: {
    aud: 'example-project',
    auth_time: 1_700_000_000,
    user_id: 'Uq1example',
    sub: 'Uq1example',
    firebase: { identities: {}, sign_in_provider: 'password' },
  },
  keySet: (jwks) => jwks,
}

/** Ory (Hydra) JWT access token: `aud: []` unless requested, `client_id`, `scp` array. */
export const oryPreset: ProviderPreset = {
  issuer: 'https://example-slug.projects.oryapis.com',
  audience: 'orders-client',
  claims: {
    aud: [],
    client_id: 'orders-client',
    scp: ['openid', 'offline_access'],
    ext: {},
    sub: '7f3a1c52-0000-4000-8000-000000000002',
  },
  keySet: (jwks) => jwks,
}

/** Authgear: `aud` holds the project's own URL, `client_id` the app. */
export const authgearPreset: ProviderPreset = {
  issuer: 'https://example.authgear.cloud',
  audience: 'https://example.authgear.cloud',
  claims: {
    aud: ['https://example.authgear.cloud'],
    client_id: 'a1b2c3d4e5f6',
    sub: '9b1deb4d-0000-4000-8000-000000000003',
  },
  keySet: (jwks) => jwks,
}

/** Cloudflare Access application token: `aud` is the application's AUD tag, keys at `/cdn-cgi/access/certs`. */
export const cloudflareAccessPreset: ProviderPreset = {
  issuer: 'https://example-team.cloudflareaccess.com',
  audience: '32eafc7626e974616deaf0dc3ce63d7bcbed58a2731e84d06bc3cdf1b53c4228',
  claims: {
    aud: ['32eafc7626e974616deaf0dc3ce63d7bcbed58a2731e84d06bc3cdf1b53c4228'],
    email: 'jane@example.com',
    type: 'app',
    identity_nonce: '6ei69kawdKzMIAPF',
    country: 'NL',
    sub: '7335d417-61da-459d-899c-0a01c76a2f94',
  },
  // The certs endpoint also lists PEM certificates beside `keys`; they are not keys to us.
  keySet: (jwks) =>
    Object.assign(
      { keys: jwks.keys },
      {
        public_cert: { kid: jwks.keys[0]?.kid ?? '', cert: '-----BEGIN CERTIFICATE-----' },
        public_certs: jwks.keys.map((key) => ({ kid: key.kid ?? '', cert: '-----BEGIN CERTIFICATE-----' })),
      },
    ),
}
