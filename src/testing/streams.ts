import { abortReason } from './abort.js'

/** Filler byte of the generated bodies: `A`, valid inside a base64url string. */
const FILLER = 0x41
const CHUNK_BYTES = 64 * 1024

/** Start and end of a JWKS whose one key has an endless (or enormous) modulus. */
export const JWKS_PREFIX = '{"keys":[{"kty":"RSA","use":"sig","e":"AQAB","n":"'
const JWKS_SUFFIX = '"}]}'

/**
 * Errors the stream when `signal` aborts, like a fetch body whose request is aborted; returns a
 * function that detaches the listener once the stream is done.
 */
function erroredOnAbort(
  signal: AbortSignal | undefined,
  controller: ReadableStreamDefaultController<Uint8Array>,
  onAbort: () => void,
): () => void {
  if (signal === undefined) return () => {}
  const listener = (): void => {
    onAbort()
    controller.error(abortReason(signal))
  }
  if (signal.aborted) listener()
  else signal.addEventListener('abort', listener, { once: true })
  return () => signal.removeEventListener('abort', listener)
}

/**
 * A body that sends `prefix` and then filler, one byte per `intervalMs`, forever. Pull-based
 * with no buffer, so a timer runs only while someone is reading; cancel and abort clear it.
 */
export function dripBody(
  prefix: string,
  intervalMs: number,
  signal?: AbortSignal,
): ReadableStream<Uint8Array> {
  const head = new TextEncoder().encode(prefix)
  let sent = 0
  let timer: ReturnType<typeof setTimeout> | undefined
  let wake: (() => void) | undefined
  let detach = (): void => {}
  const stop = (): void => {
    clearTimeout(timer)
    detach()
    wake?.()
  }
  return new ReadableStream<Uint8Array>(
    {
      start(controller) {
        detach = erroredOnAbort(signal, controller, stop)
      },
      pull(controller) {
        return new Promise<void>((resolve) => {
          wake = resolve
          timer = setTimeout(() => {
            controller.enqueue(Uint8Array.of(head[sent] ?? FILLER))
            sent++
            resolve()
          }, intervalMs)
        })
      },
      cancel: stop,
    },
    { highWaterMark: 0 },
  )
}

/**
 * A body of exactly `total` bytes shaped like a JWKS with one giant key, produced in 64 KiB
 * chunks on demand so that even gigabytes are never held in memory.
 */
export function hugeBody(total: number, signal?: AbortSignal): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder()
  const prefix = encoder.encode(JWKS_PREFIX)
  const suffix = encoder.encode(JWKS_SUFFIX)
  let position = 0
  let detach = (): void => {}
  return new ReadableStream<Uint8Array>(
    {
      start(controller) {
        detach = erroredOnAbort(signal, controller, () => {
          position = total
        })
        if (total === 0) {
          detach()
          controller.close()
        }
      },
      pull(controller) {
        if (position >= total) return
        const length = Math.min(CHUNK_BYTES, total - position)
        const chunk = new Uint8Array(length).fill(FILLER)
        // Overlay the suffix, then the prefix: for tiny totals the prefix wins.
        const suffixStart = total - suffix.length
        for (let i = Math.max(position, suffixStart); i < position + length; i++)
          chunk[i - position] = suffix[i - suffixStart] ?? FILLER
        for (let i = position; i < Math.min(prefix.length, position + length); i++)
          chunk[i - position] = prefix[i] ?? FILLER
        position += length
        controller.enqueue(chunk)
        if (position >= total) {
          detach()
          controller.close()
        }
      },
      cancel() {
        position = total
        detach()
      },
    },
    { highWaterMark: 0 },
  )
}
