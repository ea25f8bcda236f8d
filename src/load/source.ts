// Load mode: the same prepared requests again and again, round-robin over the targets. Dispatch options
// are built once per target and reused, so the hot path allocates nothing for them.
import type { Dispatcher } from 'undici'
import type { OriginPool, Prepared, ResponseInfo, WorkerSource } from '../engine/workload.js'
import type { LoadTarget } from './job.js'

/** Builds undici dispatch options for a target (flat header array, idempotent so HTTP/2 multiplexes). */
export function buildDispatchOptions (target: LoadTarget): Dispatcher.DispatchOptions {
  const url = new URL(target.url)
  const headers: string[] = []
  for (const [k, v] of target.headers) headers.push(k, v)
  const body = target.body === undefined ? null : Buffer.from(target.body.buffer, target.body.byteOffset, target.body.byteLength)
  return {
    path: url.pathname + url.search,
    method: target.method as Dispatcher.HttpMethod,
    headers,
    body,
    // HTTP/1.1 pipelining (--pipelining) applies only to requests that are idempotent and non-blocking;
    // a load generator's requests are, by the user's choice.
    idempotent: true,
    blocking: false
  }
}

/** Endless round-robin over the load targets; budget and duration are enforced by the loop. */
export class LoadSource implements WorkerSource {
  readonly exhausted = false
  readonly wantsDetails = false
  // A load run counts what comes back, whole: a body that breaks is an error, whatever the status.
  readonly statusDecides = false
  // A server that does not speak the HTTP version asked for fails every request alike: end the run.
  readonly settlesMismatch = false
  readonly #prepared: Prepared[]
  #i = 0
  wake: () => void = () => {}

  constructor (targets: readonly LoadTarget[], poolFor: (origin: string) => OriginPool) {
    this.#prepared = targets.map((t) => {
      const opts = buildDispatchOptions(t)
      return { pool: poolFor(new URL(t.url).origin), opts, bodyBytes: opts.body === null ? 0 : (opts.body as Buffer).length, item: null }
    })
  }

  next (): Prepared {
    const p = this.#prepared[this.#i] as Prepared
    this.#i = this.#i + 1 === this.#prepared.length ? 0 : this.#i + 1
    return p
  }

  completed (_p: Prepared, _r: ResponseInfo): void {}
  failed (): void {}
}
