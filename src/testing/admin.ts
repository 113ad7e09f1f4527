import { ASYMMETRIC_ALGORITHMS } from '../jwk/algorithms.js'
import { parseFailureMode, parseFailureTarget } from './failure-mode.js'
import { jsonResponse, notFound } from './http.js'
import { anything, boolean, finiteNumber, oneOf, optional, readMembers, record, string } from './members.js'
import type { FailureMode, FailureTarget, RotateOptions, SignOptions, TestClaims } from './types.js'

/** What the admin routes may do to the issuer. */
export interface AdminActions {
  sign(claims: TestClaims | undefined, options: SignOptions): Promise<string>
  rotate(options: RotateOptions): Promise<string>
  fail(mode: FailureMode | null, target: FailureTarget | undefined): void
}

const alg = optional(oneOf(ASYMMETRIC_ALGORITHMS))

const TOKEN_REQUEST = {
  claims: optional(record(anything)),
  alg,
  kid: optional({
    ok: (value): value is string | null => value === null || string.ok(value),
    must: 'a string or null',
  }),
  expiresInSeconds: optional(finiteNumber()),
}

const ROTATE_REQUEST = { alg, keepPrevious: optional(boolean) }

const FAIL_REQUEST = { mode: anything, target: anything }

const DEFAULT_LIFETIME_SECONDS = 300

/**
 * Whether the body is declared `application/json`. A web page can send a cross-site POST
 * without asking first only with a "simple" content type (form, multipart, text/plain: the
 * Fetch standard's CORS-safelisted ones); requiring JSON makes the browser send a preflight,
 * which the issuer never grants, so a page the developer visits cannot mint, rotate or fail.
 */
function isJson(contentType: string | null): boolean {
  return contentType?.split(';')[0]?.trim().toLowerCase() === 'application/json'
}

/** Reads a JSON object body; an empty body counts as `{}` so `curl -X POST` works. */
async function readJson(request: Request): Promise<unknown> {
  const text = await request.text()
  return text.trim() === '' ? {} : JSON.parse(text)
}

/** Drops absent members, which `exactOptionalPropertyTypes` keeps apart from `undefined`. */
function defined<T extends object>(value: T): { [K in keyof T]: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as {
    [K in keyof T]: Exclude<T[K], undefined>
  }
}

async function route(name: string, request: Request, actions: AdminActions): Promise<Response> {
  const body = await readJson(request)
  switch (name) {
    case 'token': {
      const { claims, ...options } = readMembers(body, TOKEN_REQUEST, 'invalid token request')
      const token = await actions.sign(claims, defined(options))
      return jsonResponse({
        access_token: token,
        token_type: 'Bearer',
        expires_in: options.expiresInSeconds ?? DEFAULT_LIFETIME_SECONDS,
      })
    }
    case 'rotate':
      return jsonResponse({
        kid: await actions.rotate(defined(readMembers(body, ROTATE_REQUEST, 'invalid rotate request'))),
      })
    default: {
      const { mode, target } = readMembers(body, FAIL_REQUEST, 'invalid fail request')
      actions.fail(parseFailureMode(mode), parseFailureTarget(target))
      return new Response(null, { status: 204 })
    }
  }
}

/**
 * Serves `POST {issuer}/token|rotate|fail` for tools that drive the issuer over HTTP (the CLI,
 * a gateway under test in another process). Only `Content-Type: application/json` bodies (else
 * 415); bad input answers 400 with the reason.
 */
export async function handleAdmin(name: string, request: Request, actions: AdminActions): Promise<Response> {
  if (request.method !== 'POST') return notFound()
  if (!isJson(request.headers.get('content-type'))) {
    return jsonResponse(
      { error: 'invalid_request', error_description: 'admin routes take Content-Type: application/json' },
      415,
    )
  }
  try {
    return await route(name, request, actions)
  } catch (error) {
    return jsonResponse({ error: 'invalid_request', error_description: String(error) }, 400)
  }
}

/** The admin route names, relative to the issuer URL. */
export const ADMIN_ROUTES = ['token', 'rotate', 'fail'] as const
