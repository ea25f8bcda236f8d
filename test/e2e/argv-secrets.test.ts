// #12 item 7: `--source postgres://user:secret@…` leaves the password in `ps` and /proc/PID/cmdline. The
// CLI warns (without echoing it) and points to PGPASSWORD / .pgpass. No database is needed: the warning
// comes before the connection, which fails here (nothing listens on port 1).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { runCli } from '../helpers/cli.js'
import { tempDir } from '../helpers/files.js'
import { writeVapidKeyFile } from '../helpers/send-run.js'

const SECRET = 'hunter2-secret'
const T = { timeout: 60_000 }

test('#12 a password in --source on the command line is warned about on stderr, never echoed', T, async () => {
  const cwd = tempDir()
  const keys = writeVapidKeyFile(cwd)
  const send = ['send', '1', '--query', 'select endpoint, p256dh, auth from subs order by id', '-p', 'x', '--vapid-keys', keys]
  for (const url of [`postgres://app:${SECRET}@127.0.0.1:1/app`, `postgresql://app@127.0.0.1:1/app?password=${SECRET}&sslmode=disable`]) {
    for (const args of [[...send, '--source', url], ['config', '--print', '--source', url, '--query', 'select 1']]) {
      const r = await runCli(args, { cwd })
      assert.match(r.stderr, /warning: --source carries a password.* on the command line, where other users of this machine can read it \(ps, \/proc\/\d+\/cmdline\)/, args[0])
      assert.match(r.stderr, /PGPASSWORD or ~\/\.pgpass/, args[0])
      assert.ok(!r.stderr.includes(SECRET) && !r.stdout.includes(SECRET), `${args[0]}: the password was echoed\n${r.stderr}`)
    }
  }
  // Without a password in the URL (PGPASSWORD carries it) there is nothing to warn about.
  const clean = await runCli([...send, '--source', 'postgres://app@127.0.0.1:1/app'], { cwd, env: { PGPASSWORD: SECRET } })
  assert.doesNotMatch(clean.stderr, /warning: --source carries/)
  assert.notEqual(clean.code, 0, 'nothing listens on port 1')
})
