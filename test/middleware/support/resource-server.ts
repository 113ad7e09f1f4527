import { expect } from 'vitest'
import { BODY, CHALLENGE } from './answer-rows.js'

/** The resource-server challenges: the plain ones plus `scope` and `resource_metadata`. */
export const RS_CHALLENGE = {
  missing: (scope: string, metadata: string) =>
    `${CHALLENGE.missing}, scope="${scope}", resource_metadata="${metadata}"`,
  invalidToken: (scope: string, metadata: string) =>
    `${CHALLENGE.invalidToken}, scope="${scope}", resource_metadata="${metadata}"`,
  insufficientScope: (scope: string, metadata: string) =>
    `${CHALLENGE.insufficientScope(scope)}, resource_metadata="${metadata}"`,
} as const

/** A refused foreign or bad token: 401, the generic invalid_token answer, pointing at `metadata`. */
export async function expectInvalidToken(response: Response, scope: string, metadata: string): Promise<void> {
  expect(response.status).toBe(401)
  expect(response.headers.get('www-authenticate')).toBe(RS_CHALLENGE.invalidToken(scope, metadata))
  expect(await response.json()).toEqual(BODY.invalidToken)
}

/** A metadata document served as cacheable, CORS-open JSON. */
export async function expectMetadata(response: Response, document: Record<string, unknown>): Promise<void> {
  expect(response.status).toBe(200)
  expect(response.headers.get('content-type')).toBe('application/json')
  expect(response.headers.get('cache-control')).toBe('public, max-age=3600')
  expect(response.headers.get('access-control-allow-origin')).toBe('*')
  expect(await response.json()).toEqual(document)
}
