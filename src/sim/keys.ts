import { createECDH, createHmac, randomBytes } from 'node:crypto'
import { InvalidOptionError } from '../errors.js'
import { decodeBase64Url, encodeBase64Url } from '../webpush/base64url.js'

// Every subscription identity is a pure function of (seed, index), so the simulator stores nothing
// per subscription and another process given the same seed can decrypt what was sent to it.

const MAX_SEED_BYTES = 1024
const HEX_RE = /^(?:[0-9a-fA-F]{2})+$/
// The order n of the P-256 group: a private scalar must lie in [1, n - 1].
const P256_ORDER = Buffer.from('ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551', 'hex')
/** Entries kept by {@link SubscriptionKeyring}: deriving one costs a scalar multiplication (~35 µs). */
export const DEFAULT_KEY_CACHE_SIZE = 10_000

/** Key material of one simulated subscription, as the browser would hold it. */
export interface SubscriptionKeys {
  /** Raw 32-byte P-256 private scalar. */
  privateKey: Buffer
  /** 65-byte uncompressed public key (`keys.p256dh`). */
  publicKey: Buffer
  /** 16-byte auth secret (`keys.auth`). */
  auth: Buffer
}

/**
 * Parses a seed given as hex (even length, hex digits only) or base64url; a string that is valid
 * both ways is read as hex. Throws InvalidOptionError naming `seed`.
 */
export function parseSeed (text: string): Buffer {
  if (typeof text !== 'string' || text === '') throw new InvalidOptionError('seed must be a non-empty hex or base64url string')
  let bytes: Buffer
  if (HEX_RE.test(text)) {
    bytes = Buffer.from(text, 'hex')
  } else {
    try {
      bytes = decodeBase64Url(text, 'seed')
    } catch (err) {
      throw new InvalidOptionError(`${(err as Error).message} (and it is not hex either)`)
    }
  }
  if (bytes.length === 0 || bytes.length > MAX_SEED_BYTES) {
    throw new InvalidOptionError(`seed must decode to 1 to ${MAX_SEED_BYTES} bytes, got ${bytes.length}`)
  }
  return bytes
}

/** A fresh random 32-byte seed. */
export function randomSeed (): Buffer {
  return randomBytes(32)
}

/** HMAC-SHA256(seed, label): the one derivation every seeded value goes through. */
export function deriveBytes (seed: Buffer, label: string): Buffer {
  return createHmac('sha256', seed).update(label).digest()
}

/** A value in [0, 1) from the first 48 bits of HMAC(seed, label); uniform enough for ratios. */
export function deriveUnit (seed: Buffer, label: string): number {
  return deriveBytes(seed, label).readUIntBE(0, 6) / 2 ** 48
}

/** True when the 32 big-endian bytes are a usable P-256 private scalar (1 ≤ d < n). */
export function isValidP256Scalar (d: Buffer): boolean {
  return d.length === 32 && d.some((b) => b !== 0) && Buffer.compare(d, P256_ORDER) < 0
}

/** The endpoint token of `index`: 12 bytes of HMAC(seed, 'token:' + index) as base64url (16 chars). */
export function subscriptionToken (seed: Buffer, index: number): string {
  return encodeBase64Url(deriveBytes(seed, `token:${index}`).subarray(0, 12))
}

/** True when `index` is one of the sticky-expired subscriptions for the given ratio. */
export function isExpiredIndex (seed: Buffer, index: number, ratio: number): boolean {
  return ratio > 0 && deriveUnit(seed, `expired:${index}`) < ratio
}

// One ECDH object re-keyed per derivation: setPrivateKey computes the public point, and skipping
// createECDH saves ~20% of a derivation. Safe because derivation is synchronous.
const ecdh = createECDH('prime256v1')

/**
 * Derives the keys of subscription `index`: d = HMAC(seed, 'p256dh:' + index), re-derived with a
 * ':<counter>' suffix in the (≈2^-32) case that d is not a valid scalar; auth = HMAC(seed, 'auth:' + index)[0..16].
 */
export function deriveSubscriptionKeys (seed: Buffer, index: number): SubscriptionKeys {
  let privateKey = deriveBytes(seed, `p256dh:${index}`)
  for (let counter = 1; !isValidP256Scalar(privateKey); counter++) {
    privateKey = deriveBytes(seed, `p256dh:${index}:${counter}`)
  }
  ecdh.setPrivateKey(privateKey)
  return { privateKey, publicKey: ecdh.getPublicKey(), auth: deriveBytes(seed, `auth:${index}`).subarray(0, 16) }
}

/** Derives subscription keys on demand and keeps the most recently used ones in a bounded LRU. */
export class SubscriptionKeyring {
  readonly #seed: Buffer
  readonly #max: number
  readonly #cache = new Map<number, SubscriptionKeys>()

  constructor (seed: Buffer, maxEntries = DEFAULT_KEY_CACHE_SIZE) {
    if (!Number.isSafeInteger(maxEntries) || maxEntries < 1) throw new RangeError(`maxEntries must be a positive integer, got ${maxEntries}`)
    this.#seed = seed
    this.#max = maxEntries
  }

  /** Number of cached entries (never more than the bound). */
  get size (): number {
    return this.#cache.size
  }

  /** The keys of `index`, from the cache or freshly derived. */
  get (index: number): SubscriptionKeys {
    const hit = this.#cache.get(index)
    if (hit !== undefined) {
      // Re-inserting moves the entry to the end of the Map's insertion order: the LRU order.
      this.#cache.delete(index)
      this.#cache.set(index, hit)
      return hit
    }
    const keys = deriveSubscriptionKeys(this.#seed, index)
    if (this.#cache.size >= this.#max) {
      const oldest = this.#cache.keys().next()
      if (oldest.done !== true) this.#cache.delete(oldest.value)
    }
    this.#cache.set(index, keys)
    return keys
  }
}
