import { createWriteStream } from 'node:fs'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { InvalidOptionError } from '../errors.js'
import { encodeBase64Url } from '../webpush/base64url.js'
import { deriveSubscriptionKeys, subscriptionToken } from './keys.js'
import type { SubscriptionKeys } from './keys.js'

/** A simulated subscription in the browser's `PushSubscription.toJSON()` shape, plus an id. */
export interface SimSubscription {
  endpoint: string
  expirationTime: null
  keys: { p256dh: string, auth: string }
  /** `sub-<index>`. */
  id: string
}

/** Options of `writeSubscriptions`. */
export interface WriteSubscriptionsOptions {
  /** Lines whose index is a multiple of this carry a per-subscription `payload` object. */
  payloadEvery?: number
}

// Lines per write: big enough that stream overhead vanishes, small enough to stay a few 100 KB.
const LINES_PER_CHUNK = 512

/** The subscription of `index` for a simulator reachable at `origin`; deriving the keys costs ~35 µs. */
export function simSubscription (
  origin: string, seed: Buffer, index: number, keys: SubscriptionKeys = deriveSubscriptionKeys(seed, index)
): SimSubscription {
  const { publicKey, auth } = keys
  return {
    endpoint: `${origin}/push/${index}/${subscriptionToken(seed, index)}`,
    expirationTime: null,
    keys: { p256dh: encodeBase64Url(publicKey), auth: encodeBase64Url(auth) },
    id: `sub-${index}`
  }
}

/**
 * Writes subscriptions 0 .. count - 1 as NDJSON to `path`. Lines are generated as the file accepts
 * them (a Readable piped with backpressure), so memory stays bounded for any count.
 */
export async function writeSubscriptionsFile (
  path: string, origin: string, seed: Buffer, count: number, options: WriteSubscriptionsOptions = {}
): Promise<void> {
  const every = options.payloadEvery
  if (every !== undefined && !(Number.isSafeInteger(every) && every >= 1)) {
    throw new InvalidOptionError(`payloadEvery must be a positive integer, got ${String(every)}`)
  }
  function * chunks (): Generator<string> {
    for (let start = 0; start < count; start += LINES_PER_CHUNK) {
      let text = ''
      for (let i = start; i < Math.min(count, start + LINES_PER_CHUNK); i++) {
        const line: SimSubscription & { payload?: unknown } = simSubscription(origin, seed, i)
        if (every !== undefined && i % every === 0) line.payload = { title: 'notify-sender simulator', body: `message for sub-${i}` }
        text += JSON.stringify(line) + '\n'
      }
      yield text
    }
  }
  await pipeline(Readable.from(chunks()), createWriteStream(path))
}
