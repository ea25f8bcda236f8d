/** Default bound of {@link bounded}: generous, since it only exists to turn a hang into a failure. */
export const DEFAULT_BOUND_MS = 10_000

/** Resolves like `promise`, or rejects once `ms` pass so a broken network test fails instead of hanging. */
export async function bounded<T> (promise: Promise<T>, what: string, ms = DEFAULT_BOUND_MS): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no outcome within ${ms} ms`)), ms)
  })
  try {
    return await Promise.race([promise, timeout])
  } finally {
    clearTimeout(timer)
  }
}

/** Resolves once `predicate()` holds (checked every few ms), or rejects after `ms`. */
export function waitUntil (predicate: () => boolean, what: string, ms = DEFAULT_BOUND_MS): Promise<void> {
  let timer: NodeJS.Timeout | undefined
  const poll = new Promise<void>((resolve) => {
    const check = (): void => {
      if (predicate()) resolve()
      else timer = setTimeout(check, 2)
    }
    check()
  })
  return bounded(poll, what, ms).finally(() => clearTimeout(timer))
}
