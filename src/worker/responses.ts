import type { JwtAuthError } from '../errors.js'
import { type HttpAnswerOptions, httpAnswer } from '../http/answer.js'
import type { PathRejection } from './path.js'

/** A JSON answer; `HEAD` gets the same status and headers without a body. */
export function json(
  method: string,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): Response {
  return new Response(method.toUpperCase() === 'HEAD' ? null : JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json', 'cache-control': 'no-store', ...headers },
  })
}

/** A 400/401/403/503 of SPEC §5, through the one code→HTTP mapping. */
export function authFailure(error: JwtAuthError, method: string, options: HttpAnswerOptions): Response {
  const answer = httpAnswer(error, { ...options, method })
  return new Response(answer.body === null ? null : JSON.stringify(answer.body), {
    status: answer.status,
    headers: answer.headers,
  })
}

/**
 * A path the upstream could read differently from us is refused rather than guessed at
 * (catalogue row 45). Not an authentication failure, so no `WWW-Authenticate`.
 */
export function badPath(method: string, reason: PathRejection): Response {
  return json(method, 400, {
    error: 'invalid_request',
    error_description: `The request path is not acceptable (${reason})`,
  })
}

/** Every request of a misconfigured gateway: no detail for clients, the log line has it. */
export function misconfigured(method: string): Response {
  return json(method, 500, { error: 'server_error', error_description: 'The gateway is misconfigured' })
}

export function methodNotAllowed(allow: string): Response {
  return new Response(null, { status: 405, headers: { allow } })
}

/** The upstream could not be reached: the client's request was fine, the hop was not. */
export function badGateway(method: string): Response {
  return json(method, 502, { error: 'bad_gateway', error_description: 'The upstream did not answer' })
}
