// Shared set-up for send tests: a VAPID key file, the simulator's CA, subscriptions and the options a
// send against the simulator needs.
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { readFileSync } from 'node:fs'
import { formatVapidKeysJson, generateVapidKeys } from '../../src/webpush/keys.js'
import type { VapidKeyStrings } from '../../src/webpush/keys.js'
import { startSimulator } from '../../src/sim/simulator.js'
import type { Simulator, SimulatorOptions } from '../../src/sim/simulator.js'
import { tempDir } from './files.js'

/** Everything a send against a simulator needs. */
export interface SimFixture {
  sim: Simulator
  dir: string
  subscriptions: string
  vapidKeys: string
  keys: VapidKeyStrings
  /** Options for runSend: the input, keys, CA and the allowlist entry for the simulator. */
  options: Record<string, unknown>
  lines: () => string[]
}

/** Writes a VAPID key file (0600) and returns its path and keys. */
export function writeVapidKeys (dir: string): { path: string, keys: VapidKeyStrings } {
  const keys = generateVapidKeys()
  const path = join(dir, 'vapid.json')
  writeFileSync(path, formatVapidKeysJson({ ...keys, subject: 'mailto:ops@example.com' }), { mode: 0o600 })
  return { path, keys }
}

/** Starts a simulator with `count` subscriptions written to a file; closed when the test file ends. */
export async function simFixture (t: { after: (fn: () => Promise<void>) => void }, count: number, opts: SimulatorOptions & { payloadEvery?: number } = {}): Promise<SimFixture> {
  const { payloadEvery, ...simOpts } = opts
  const sim = await startSimulator({ subscriptions: count, ...simOpts })
  t.after(async () => { await sim.close() })
  const dir = tempDir()
  const subscriptions = join(dir, 'subs.ndjson')
  await sim.writeSubscriptions(subscriptions, count, payloadEvery === undefined ? {} : { payloadEvery })
  const ca = join(dir, 'ca.pem')
  writeFileSync(ca, sim.ca)
  const vapid = writeVapidKeys(dir)
  return {
    sim,
    dir,
    subscriptions,
    vapidKeys: vapid.path,
    keys: vapid.keys,
    options: {
      subscriptions,
      vapidKeys: vapid.path,
      ca,
      allowHost: [new URL(sim.origin).host],
      allowPrivate: true,
      logLevel: 'silent'
    },
    lines: () => readFileSync(subscriptions, 'utf8').split('\n').filter((l) => l !== '')
  }
}

/** Parses an NDJSON outcome file (missing file = no records). */
export function readRecords (path: string): Array<Record<string, unknown>> {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch {
    return []
  }
  return text.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Record<string, unknown>)
}
