// #12 item 7: a password in a command-line argument is readable by every local user in `ps` and
// /proc/PID/cmdline for the whole run. The run still uses it (refusing would break working cron jobs),
// but says where it belongs instead, without echoing it.
import type { RawOptions } from '../config/resolve.js'

/** The warning for a `--source` URL given on the command line with a password in it, or undefined. */
export function argvPasswordWarning (cliOptions: RawOptions): string | undefined {
  const source = cliOptions.source
  if (typeof source !== 'string') return undefined
  let url: URL
  try {
    url = new URL(source)
  } catch {
    return undefined
  }
  const where = url.password !== '' ? 'a password in its URL' : url.searchParams.has('password') ? 'a password= parameter' : undefined
  if (where === undefined) return undefined
  return `--source carries ${where} on the command line, where other users of this machine can read it (ps, /proc/${process.pid}/cmdline) for the whole run; ` +
    'give the URL without it and put the password in PGPASSWORD or ~/.pgpass (PGPASSFILE) instead'
}
