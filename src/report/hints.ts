// One line per likely cause of a failed run (#11): the report names what happened (error kinds, counts),
// a hint says what to do about it. Only the causes that new users hit most are covered; each hint is
// printed on stderr and kept in the report's `hints`.
import type { ErrorKinds } from '../stats/snapshot.js'

/** What the hints are derived from besides the error kinds. */
export interface HintContext {
  /** A --ca file was given (an untrusted certificate then means the wrong CA, not a missing one). */
  caGiven: boolean
  /** send: the first line of the input starts with `[` and lines were invalid. */
  inputLooksLikeJsonArray?: boolean
}

/** Hints for the causes seen in a run, most specific first; empty when none applies. */
export function runHints (errors: ErrorKinds, ctx: HintContext): string[] {
  const hints: string[] = []
  if (ctx.inputLooksLikeJsonArray === true) {
    hints.push('this looks like a JSON array, not NDJSON: give one subscription object per line (e.g. jq -c \'.[]\' subs.json > subs.ndjson)')
  }
  if ((errors.tls?.count ?? 0) > 0) {
    hints.push(ctx.caGiven
      ? 'TLS failed: the certificate given with --ca does not verify the server\'s certificate (or the name does not match); check it is the CA that signed it'
      : 'TLS failed: the server\'s certificate is not trusted; if it is self-signed or from a private CA, give that CA with --ca <file.pem>')
  }
  if ((errors.conn_refused?.count ?? 0) > 0) {
    hints.push('connection refused: is the server up, and listening on that host and port?')
  }
  return hints
}
