import type { NextFunction, Request, RequestHandler, Response } from 'express'
import type { JWTPayload } from 'jose'
import { JwtAuthError } from '../errors.js'
import { createAuthenticator, type Outcome } from '../middleware/authenticate.js'
import { MIDDLEWARE_OPTION_NAMES } from '../middleware/options.js'
import { VerifierConfigError } from '../verifier/config.js'
import { checkVerifierOptionNames, type OptionNames } from '../verifier/option-names.js'
import { requestFacts } from './request.js'
import { type RejectSettings, reject, rememberAuth, rememberSettings } from './state.js'
import type { JwksAuthOptions } from './types.js'

/** Every Express {@link JwksAuthOptions} name: the shared middleware options and `passErrors`. */
const EXPRESS_OPTION_NAMES: OptionNames<JwksAuthOptions> = { ...MIDDLEWARE_OPTION_NAMES, passErrors: true }

/**
 * Express middleware (Express 4 and 5) that verifies the request's bearer JWT against the
 * configured issuers' JWKS and sets `req.auth` to `{ payload, protectedHeader, issuer, kid, token }`.
 *
 * The verifier and its key cache are built here, once; options are checked here too, so a bad
 * configuration throws at start-up. Rejections answer per SPEC §5 (400/401/403/503 with
 * `WWW-Authenticate`, JSON body, none for HEAD) and never reach the handler, or go to
 * `next(err)` with `passErrors`. CORS preflights pass unauthenticated. Express is not imported
 * at run time: it stays an optional peer dependency.
 *
 * @typeParam P - The claims your tokens carry, for `getAuth<P>(req)` and `withAuth<P>()`.
 * @example
 * const app = express()
 * app.use('/api', jwksAuth({ issuer: 'https://idp.example.com', audience: 'https://api.example.com' }))
 * app.get('/api/me', withAuth((req, res) => res.json({ sub: req.auth.payload.sub })))
 */
export function jwksAuth<P extends JWTPayload = JWTPayload>(options: JwksAuthOptions): RequestHandler {
  checkVerifierOptionNames('jwksAuth()', options, EXPRESS_OPTION_NAMES)
  const { passErrors, ...shared } = options
  if (passErrors !== undefined && typeof passErrors !== 'boolean') {
    throw new VerifierConfigError('"passErrors" option must be a boolean', 'passErrors')
  }
  const authenticator = createAuthenticator<Request>(shared)
  const settings: RejectSettings = {
    answer: authenticator.answer,
    now: authenticator.now,
    onError: authenticator.onError,
    passErrors: passErrors ?? false,
  }

  async function decide(req: Request): Promise<Outcome<P>> {
    try {
      return await authenticator.authenticate<P>(requestFacts(req, authenticator.tokenHeader))
    } catch {
      // Reading the request failed (a bug, or an odd request object): fail closed with a 401.
      return { kind: 'rejected', error: new JwtAuthError('ERR_TOKEN_MALFORMED') }
    }
  }

  function deliver(req: Request, res: Response, next: NextFunction, outcome: Outcome<P>): void {
    if (outcome.kind === 'rejected') {
      reject(req, res, next, outcome.error)
      return
    }
    if (outcome.kind === 'authenticated') rememberAuth(req, outcome.auth, outcome.scheme)
    next()
  }

  // Not an async function: Express 4 ignores returned promises, so every path settles here.
  return function jwksAuth(req, res, next) {
    rememberSettings(req, settings)
    decide(req)
      .then((outcome) => deliver(req, res, next, outcome))
      .catch((error: unknown) => {
        // `decide` never rejects, so only delivery can fail here; Express reports it.
        if (!res.headersSent) next(error)
      })
  }
}
