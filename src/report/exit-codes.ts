// The exit codes in one place, below every command that sets one (a send that cannot write its output
// sets EXIT.output itself; cli/main.ts sets the rest). The README's table is generated from
// EXIT_CODE_DOCS, and the end-to-end tests check that each documented code is what the CLI returns.
import { signalExitCode } from './signals.js'
import { DEFAULTS } from '../defaults.js'

/** Exit codes by meaning. */
export const EXIT = Object.freeze({
  ok: 0,
  failed: 1,
  usage: 2,
  output: 3,
  sigint: signalExitCode('SIGINT'),
  sigterm: signalExitCode('SIGTERM')
})

/** One documented exit code. */
export interface ExitCodeDoc {
  code: number
  meaning: string
}

/** Every exit code the CLI documents, in README order. */
export const EXIT_CODE_DOCS: readonly ExitCodeDoc[] = [
  { code: EXIT.ok, meaning: 'success: the run finished and every threshold passed (also `keys` and `--help`); some failed requests alone do not fail a run, `--max-error-rate` does (send: ' + `${DEFAULTS.send.maxErrorRate * 100}% by default)` },
  { code: EXIT.failed, meaning: 'the run failed: nothing succeeded (every request failed, every line was invalid; `--max-error-rate 100%` accepts that), a threshold (`--max-error-rate`, `--max-p99`) was breached, a push service was aborted, a worker gave up, or an unexpected error occurred; the reason is on stderr even with `--json` or `--quiet`; `merge`: a threshold was breached on the merged data, or there is a problem (an input\'s own, an interrupted input, a missing or duplicate shard)' },
  { code: EXIT.usage, meaning: 'usage or configuration error (invalid or conflicting options, unknown option, missing argument, unreadable file, bad `notify-sender.config.json`; `merge`: a file that is missing, not JSON, not a report of this schema, or load mixed with send); nothing was sent' },
  { code: EXIT.output, meaning: '`send`: the outcome files under `--out` could not be written (disk full, I/O error) or one was deleted or replaced during the run; sending stopped at once, in-flight requests finished and what could be written was written. Free the space and run the same command with `--resume`: it settles every line' },
  { code: EXIT.sigint, meaning: 'interrupted by SIGINT (128 + 2), once in-flight requests finished (at most `--grace`) and the report was written' },
  { code: EXIT.sigterm, meaning: 'interrupted by SIGTERM (128 + 15), likewise' }
]

/** The README's exit-code table. */
export function renderExitCodesMarkdown (): string {
  const rows = EXIT_CODE_DOCS.map((d) => `| ${d.code} | ${d.meaning} |`)
  return ['| code | meaning |', '| --- | --- |', ...rows].join('\n') + '\n'
}
