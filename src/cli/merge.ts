// `notify-sender merge <report...>`: read the reports, merge them with the library, then output exactly as
// a run does (--json on stdout, --report file, the summary on stderr) and exit 0, or 1 when the merge fails.
import { mergeReports } from '../report/merge.js'
import { readReportFile, reportPath } from '../report/read.js'
import { resolveOutput } from '../config/resolve.js'
import type { RawOptions } from '../config/resolve.js'
import { emitReport } from './emit-report.js'

/** Runs the merge command and sets `process.exitCode` from the merged report. */
export function runMerge (args: readonly string[], raw: RawOptions): void {
  const output = resolveOutput(raw)
  const files = args.map(reportPath)
  const reports = files.map(readReportFile)
  const report = mergeReports(reports, { sources: files, thresholds: output.thresholds })
  // Without the table, emitReport still writes missing shards and other problems on stderr.
  emitReport(report, output)
}
