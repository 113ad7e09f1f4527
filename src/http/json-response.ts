import type { HttpAnswer } from './answer.js'

/**
 * A JSON answer no cache keeps, as a Fetch API `Response`; `HEAD` gets the same status and
 * headers without a body. `headers` add to (or override) the JSON ones.
 */
export function jsonResponse(
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

/** An {@link HttpAnswer} as a Fetch API `Response` (a HEAD answer already has no body). */
export function answerResponse(answer: HttpAnswer): Response {
  return new Response(answer.body === null ? null : JSON.stringify(answer.body), {
    status: answer.status,
    headers: answer.headers,
  })
}
