/**
 * Collects unhandled promise rejections while it listens: Node's `process` event, or the
 * `unhandledrejection` event of workerd's global scope. `stop()` waits one macrotask (so a
 * rejection left behind by the last request is reported) and returns what was seen.
 */
export function captureUnhandled(): { stop(): Promise<unknown[]> } {
  const seen: unknown[] = []
  const proc = (globalThis as { process?: NodeLikeProcess }).process
  const scope = globalThis as { addEventListener?: AddListener; removeEventListener?: AddListener }
  const onNode = (reason: unknown) => void seen.push(reason)
  const onWeb = (event: { reason?: unknown; preventDefault?: () => void }) => {
    seen.push(event.reason)
    event.preventDefault?.()
  }
  const useNode = typeof proc?.on === 'function' && typeof scope.addEventListener !== 'function'
  if (useNode) proc?.on('unhandledRejection', onNode)
  else scope.addEventListener?.('unhandledrejection', onWeb as (event: unknown) => void)
  return {
    async stop() {
      await new Promise((resolve) => setTimeout(resolve, 0))
      if (useNode) proc?.off('unhandledRejection', onNode)
      else scope.removeEventListener?.('unhandledrejection', onWeb as (event: unknown) => void)
      return seen
    },
  }
}

interface NodeLikeProcess {
  on(event: 'unhandledRejection', listener: (reason: unknown) => void): unknown
  off(event: 'unhandledRejection', listener: (reason: unknown) => void): unknown
}

type AddListener = (type: string, listener: (event: unknown) => void) => void
