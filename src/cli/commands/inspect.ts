import type { Command } from 'commander'
import { decodeJwt, decodeProtectedHeader } from 'jose'
import { inputError } from '../errors.js'
import { type CliIo, formatJson, writeOutput } from '../io.js'
import { readToken } from '../token-input.js'

/** The label on everything `inspect` prints: nothing here was verified. */
export const UNVERIFIED_BANNER =
  'UNVERIFIED: decoded only; the signature, issuer and claims were NOT checked.'

const SECONDS_PER_MINUTE = 60
const SECONDS_PER_HOUR = 3600
const MS_PER_SECOND = 1000
/** Claims that hold NumericDate values (RFC 7519 §4.1), shown as dates too. */
const DATE_CLAIMS = ['iat', 'nbf', 'exp', 'auth_time'] as const
/** A JWE in compact form has five segments (RFC 7516 §7.1). */
const JWE_SEGMENTS = 5

/** `inspect`: header and payload of a token, without verifying anything. */
export function registerInspect(program: Command, io: CliIo): void {
  program
    .command('inspect')
    .description('Decode a JWT and print its header and payload, clearly labelled UNVERIFIED.')
    .argument('<token>', 'the token, or - for stdin')
    .option('--json', 'print {"verified": false, "header", "payload"} as JSON')
    .addHelpText(
      'after',
      '\nNothing is checked. To check a token, use: jwks-gateway verify TOKEN --issuer URL --audience AUD',
    )
    .action(async (argument: string, options: { json?: boolean }) => {
      const token = await readToken(io, argument)
      if (token.split('.').length === JWE_SEGMENTS)
        throw inputError('this is an encrypted token (JWE); only signed JWTs can be inspected')
      let header: ReturnType<typeof decodeProtectedHeader>
      let payload: ReturnType<typeof decodeJwt>
      try {
        header = decodeProtectedHeader(token)
        payload = decodeJwt(token)
      } catch {
        throw inputError(
          'not a JWT: expected three base64url segments header.payload.signature with JSON header and payload',
        )
      }
      if (options.json === true) return writeOutput(io, formatJson({ verified: false, header, payload }))
      const lines = [
        UNVERIFIED_BANNER,
        'header:',
        formatJson(header).trimEnd(),
        'payload:',
        formatJson(payload).trimEnd(),
      ]
      const nowSeconds = Math.floor(io.now() / MS_PER_SECOND)
      for (const claim of DATE_CLAIMS) {
        const value = payload[claim]
        if (typeof value === 'number' && Number.isFinite(value))
          lines.push(`${claim}: ${describeDate(value, nowSeconds)}`)
      }
      return writeOutput(io, `${lines.join('\n')}\n`)
    })
}

function describeDate(seconds: number, nowSeconds: number): string {
  const date = new Date(seconds * MS_PER_SECOND)
  const iso = Number.isNaN(date.getTime()) ? 'out of range' : date.toISOString()
  const delta = seconds - nowSeconds
  if (delta === 0) return `${iso} (now)`
  return delta > 0 ? `${iso} (in ${describeSpan(delta)})` : `${iso} (${describeSpan(-delta)} ago)`
}

function describeSpan(seconds: number): string {
  const hours = Math.floor(seconds / SECONDS_PER_HOUR)
  const minutes = Math.floor((seconds % SECONDS_PER_HOUR) / SECONDS_PER_MINUTE)
  const rest = seconds % SECONDS_PER_MINUTE
  return [hours > 0 ? `${hours}h` : '', minutes > 0 ? `${minutes}m` : '', rest > 0 ? `${rest}s` : '']
    .filter((part) => part !== '')
    .join(' ')
}
