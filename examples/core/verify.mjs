// The core verifier against the local test issuer, over real HTTP on 127.0.0.1.
// Run with `npm run example:core` (it builds first: the example imports the package by name).
import { createVerifier, JwtAuthError } from 'jwks-gateway'
import { startTestIssuerServer } from 'jwks-gateway/testing/node'

const server = await startTestIssuerServer()
try {
  const verifier = createVerifier({ issuer: server.url, audience: server.issuer.audience })

  const token = await server.issuer.sign({ sub: 'alice', scope: 'read' })
  const { payload, issuer, kid } = await verifier.verify(token)
  console.log('verified', { sub: payload.sub, scope: payload.scope, issuer, kid })

  try {
    await verifier.verify(await server.issuer.sign({ aud: 'https://another-api.example' }))
  } catch (error) {
    if (!(error instanceof JwtAuthError)) throw error
    console.log('rejected', error.code)
  }
} finally {
  await server.close()
}
