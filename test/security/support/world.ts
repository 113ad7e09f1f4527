import { createTestIssuer, type TestIssuer, type TestIssuerOptions } from '../../../src/testing/index.js'
import { manualClock } from '../../helpers/clock.js'

/** Where the clock of every docs/SECURITY.md row test starts (epoch ms). */
export const START = Date.UTC(2026, 10, 21, 12, 0, 0)

/** A key fetch as the network saw it. */
export interface SeenRequest {
  url: string
  redirect: RequestRedirect | undefined
}

/**
 * The issuer side of a docs/SECURITY.md row test: a test issuer on an injected clock, and the one `fetch`
 * every layer gets. The fetch records each request, lets a test answer some URLs itself
 * (a crafted discovery document, a second issuer) and sends the rest to the test issuer,
 * whose counts then say how many discovery and JWKS requests a row caused.
 */
export interface World {
  idp: TestIssuer
  /** Other issuers reachable through {@link World.fetch}, routed by origin. */
  others: TestIssuer[]
  clock: ReturnType<typeof manualClock>
  requests: SeenRequest[]
  fetch: typeof fetch
  /** Answers a URL before the issuers do; undefined passes it on. */
  intercept: ((url: string) => Response | Promise<Response> | undefined) | undefined
  /** Discovery and JWKS requests over every issuer since the last reset, and strays. */
  counts(): { discovery: number; jwks: number; unexpected: number }
  /** Heals the issuers, clears counts and overrides, and puts the clock back to {@link START}. */
  reset(): void
}

const urlOf = (input: RequestInfo | URL): string =>
  input instanceof Request ? input.url : input instanceof URL ? input.href : input

export async function createWorld(options: TestIssuerOptions = {}): Promise<World> {
  const clock = manualClock(START)
  const idp = await createTestIssuer({ now: clock.now, ...options })
  const world: World = {
    idp,
    others: [],
    clock,
    requests: [],
    intercept: undefined,
    fetch: (async (input: RequestInfo | URL, init?: RequestInit) => {
      const url = urlOf(input)
      world.requests.push({ url, redirect: init?.redirect })
      const intercepted = world.intercept?.(url)
      if (intercepted !== undefined) return intercepted
      const origin = new URL(url).origin
      const owner = world.others.find((other) => new URL(other.issuer).origin === origin) ?? idp
      return owner.fetch(input, init)
    }) as typeof fetch,
    counts() {
      const all = [idp, ...world.others]
      return {
        discovery: all.reduce((sum, i) => sum + i.counts.discovery, 0),
        jwks: all.reduce((sum, i) => sum + i.counts.jwks, 0),
        unexpected: all.reduce((sum, i) => sum + i.counts.unexpected, 0),
      }
    },
    reset() {
      for (const issuer of [idp, ...world.others]) {
        issuer.fail(null)
        issuer.serveJwks(null)
        issuer.resetCounts()
      }
      world.others = []
      world.requests.length = 0
      world.intercept = undefined
      clock.set(START)
    },
  }
  return world
}

/** Seconds since the epoch on the world's clock, for hand-made claims. */
export const nowSeconds = (world: World): number => Math.floor(world.clock.now() / 1000)
