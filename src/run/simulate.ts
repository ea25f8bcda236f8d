// `simulate`: the push-service simulator as a standalone process, with a persistent identity (seed and
// certificate) and a subscriptions file for `notify-sender send` to use.
import { join, resolve } from 'node:path'
import { startSimulator } from '../sim/simulator.js'
import type { FaultRatios, Simulator } from '../sim/simulator.js'
import type { RawOptions } from '../config/resolve.js'
import { loadOrCreateIdentity } from '../sim/identity.js'

const DEFAULT_STATE_DIR = '.notify-sender-sim'
const DEFAULT_PORT = 8443
const DEFAULT_SUBSCRIPTIONS = 1000

/** A running standalone simulator and the files a sender needs. */
export interface StandaloneSimulator {
  simulator: Simulator
  caPath: string
  subscriptionsPath: string
  count: number
}

/** The simulator's fault ratios from the --fault-* options (shared by `simulate` and `demo`). */
export function faultsFromOptions (raw: RawOptions): FaultRatios {
  const ratio = (v: unknown): number => (v as number | undefined) ?? 0
  return {
    expired: ratio(raw.fault410),
    throttle: ratio(raw.fault429),
    serverError: ratio(raw.fault500),
    slow: ratio(raw.faultSlow),
    reset: ratio(raw.faultReset),
    goaway: ratio(raw.faultGoaway)
  }
}

/** Starts the simulator from `simulate` options and writes its subscriptions file. */
export async function startStandaloneSimulator (raw: RawOptions): Promise<StandaloneSimulator> {
  const stateDir = resolve((raw.stateDir as string | undefined) ?? DEFAULT_STATE_DIR)
  const identity = loadOrCreateIdentity(stateDir)
  const count = (raw.subscriptionCount as number | undefined) ?? DEFAULT_SUBSCRIPTIONS
  const simulator = await startSimulator({
    host: (raw.host as string | undefined) ?? '127.0.0.1',
    port: (raw.port as number | undefined) ?? DEFAULT_PORT,
    seed: identity.seed,
    cert: { cert: identity.cert, key: identity.key },
    subscriptions: count,
    retryAfterSeconds: raw.retryAfter as number | undefined ?? 1,
    slowMs: raw.slowMs as number | undefined ?? 2000,
    faults: faultsFromOptions(raw)
  })
  const subscriptionsPath = resolve((raw.subscriptionsOut as string | undefined) ?? join(stateDir, 'subscriptions.ndjson'))
  try {
    await simulator.writeSubscriptions(subscriptionsPath, count)
  } catch (err) {
    await simulator.close()
    throw err
  }
  return { simulator, caPath: identity.certPath, subscriptionsPath, count }
}
