import type { JwtAuthError } from '../errors.js'
import { type HttpAnswerOptions, httpAnswer } from '../http/answer.js'
import { answerResponse, jsonResponse } from '../http/json-response.js'
import type { PathRejection } from './path.js'

/** A 400/401/403/503 of docs/middleware.md#http-answers, through the one code→HTTP mapping. */
export function authFailure(error: JwtAuthError, method: string, options: HttpAnswerOptions): Response {
  return answerResponse(httpAnswer(error, { ...options, method }))
}

/**
 * A path the upstream could read differently from us is refused rather than guessed at
 * (docs/SECURITY.md row 45). Not an authentication failure, so no `WWW-Authenticate`.
 */
export function badPath(method: string, reason: PathRejection): Response {
  return jsonResponse(method, 400, {
    error: 'invalid_request',
    error_description: `The request path is not acceptable (${reason})`,
  })
}

/** Every request of a misconfigured gateway: no detail for clients, the log line has it. */
export function misconfigured(method: string): Response {
  return jsonResponse(method, 500, {
    error: 'server_error',
    error_description: 'The gateway is misconfigured',
  })
}

export function methodNotAllowed(allow: string): Response {
  return new Response(null, { status: 405, headers: { allow } })
}

/** The upstream could not be reached: the client's request was fine, the hop was not. */
export function badGateway(method: string): Response {
  return jsonResponse(method, 502, { error: 'bad_gateway', error_description: 'The upstream did not answer' })
}
