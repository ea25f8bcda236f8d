// Web Push from code against the built-in push-service simulator: generate keys, write subscriptions,
// send, and compare the sender's outcomes with what the simulator decrypted.
// Run: npm run build && node examples/send-simulator/index.mjs
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { generateVapidKeys, runSend, startSimulator } from 'notify-sender'

const dir = mkdtempSync(join(tmpdir(), 'notify-sender-example-'))
const sim = await startSimulator({ subscriptions: 500, faults: { expired: 0.1 } })
try {
  await sim.writeSubscriptions(join(dir, 'subs.ndjson'), 500)
  writeFileSync(join(dir, 'ca.pem'), sim.ca)
  writeFileSync(join(dir, 'vapid.json'), JSON.stringify({ ...generateVapidKeys(), subject: 'mailto:ops@example.com' }), { mode: 0o600 })
  const report = await runSend({
    subscriptions: join(dir, 'subs.ndjson'),
    vapidKeys: join(dir, 'vapid.json'),
    payload: JSON.stringify({ title: 'Hi', body: 'from notify-sender' }),
    ca: join(dir, 'ca.pem'),
    allowHost: [new URL(sim.origin).host],
    allowPrivate: true,
    out: join(dir, 'out'),
    workers: 2,
    logLevel: 'warn'
  })
  const stats = sim.stats()
  console.log('outcomes', report.outcomes)
  console.log(`simulator decrypted ${stats.delivered} messages, answered ${stats.rejected.expired} with 410; outcome files in ${join(dir, 'out')}`)
  process.exitCode = report.exitCode
} finally {
  await sim.close()
}
