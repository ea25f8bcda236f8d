import { InvalidOptionError } from '../errors.js'
import { deriveBytes } from './keys.js'

/** Per-request faults the simulator can inject into otherwise valid requests. */
export type FaultKind = 'throttle' | 'serverError' | 'reset' | 'slow' | 'goaway'

/** The order in which a draw is mapped onto fault kinds; it is part of the seeded sequence. */
export const FAULT_KINDS: readonly FaultKind[] = ['throttle', 'serverError', 'reset', 'slow', 'goaway']

/** Fault ratios, each in [0, 1]: `expired` is a share of subscriptions (sticky), the rest shares of requests. */
export interface FaultRatios {
  expired?: number
  throttle?: number
  serverError?: number
  slow?: number
  reset?: number
  goaway?: number
}

/** Every ratio filled in. */
export type ResolvedFaultRatios = Required<FaultRatios>

/**
 * Validates fault ratios. The per-request ones are disjoint shares of one draw, so they must add up
 * to at most 1; `expired` applies to subscriptions and is independent.
 */
export function resolveFaultRatios (faults: FaultRatios = {}): ResolvedFaultRatios {
  if (typeof faults !== 'object' || faults === null) throw new InvalidOptionError('faults must be an object of ratios')
  const out: ResolvedFaultRatios = { expired: 0, throttle: 0, serverError: 0, slow: 0, reset: 0, goaway: 0 }
  for (const name of Object.keys(out) as Array<keyof ResolvedFaultRatios>) {
    const value = Object.hasOwn(faults, name) ? faults[name] : undefined
    if (value === undefined) continue
    if (typeof value !== 'number' || !(value >= 0 && value <= 1)) {
      throw new InvalidOptionError(`faults.${name} must be a ratio from 0 to 1, got ${String(value)}`)
    }
    out[name] = value
  }
  const total = FAULT_KINDS.reduce((sum, kind) => sum + out[kind], 0)
  // A little slack for sums like 0.1 + 0.2 + 0.7 that floating point puts just above 1.
  if (total > 1 + 1e-9) {
    throw new InvalidOptionError(`the per-request fault ratios (${FAULT_KINDS.join(', ')}) share each request and must add up to at most 1, got ${total}`)
  }
  return out
}

/**
 * Decides the injected fault of each accepted request from a seeded PRNG (sfc32), so a given seed
 * always yields the same sequence of decisions: one uniform draw per request, mapped onto the
 * kinds' consecutive shares in {@link FAULT_KINDS} order.
 */
export class FaultPicker {
  readonly #bounds: Array<[number, FaultKind]> = []
  readonly #state: Uint32Array

  constructor (seed: Buffer, ratios: ResolvedFaultRatios) {
    let upper = 0
    for (const kind of FAULT_KINDS) {
      if (ratios[kind] <= 0) continue
      upper += ratios[kind]
      this.#bounds.push([upper, kind])
    }
    const s = deriveBytes(seed, 'faults')
    this.#state = Uint32Array.of(s.readUInt32BE(0), s.readUInt32BE(4), s.readUInt32BE(8), s.readUInt32BE(12))
  }

  /** The fault for the next request, or undefined for a normal answer. */
  next (): FaultKind | undefined {
    if (this.#bounds.length === 0) return undefined
    const u = this.#draw()
    for (const [bound, kind] of this.#bounds) if (u < bound) return kind
    return undefined
  }

  // sfc32 (Chris Doty-Humphrey's Small Fast Counting generator): tiny, fast, passes PractRand.
  #draw (): number {
    const s = this.#state
    const a = s[0] ?? 0
    const b = s[1] ?? 0
    const c = s[2] ?? 0
    const d = s[3] ?? 0
    const d1 = (d + 1) >>> 0
    const t = (a + b + d1) >>> 0
    s[0] = b ^ (b >>> 9)
    s[1] = c + (c << 3)
    s[2] = ((c << 21) | (c >>> 11)) + t
    s[3] = d1
    return t / 2 ** 32
  }
}
