// Where a finished report goes, the same for a run and for `merge`: the --report file, --json on stdout,
// the summary table on stderr unless --quiet (or --json off a terminal), else why the run failed, and the
// exit code.
import { writeReportFile } from '../report/write.js'
import type { OutputSettings } from '../config/resolve.js'
import type { Report } from '../report/report.js'
import { renderReport, renderVerdict } from './render.js'
import { timelineCsv, writeHgrm } from '../report/export.js'
import { writeFileAtomic } from '../fs/atomic-write.js'
import { writeHtmlReport } from '../report/html.js'

/** Writes `report` as `output` asks and sets `process.exitCode`; returns whether the table was shown. */
export function emitReport (report: Report, output: Pick<OutputSettings, 'reportFile' | 'json' | 'quiet' | 'timelineFile' | 'hgrm' | 'htmlFile'>): boolean {
  if (output.reportFile !== undefined) writeReportFile(output.reportFile, report)
  if (output.timelineFile !== undefined) writeFileAtomic(output.timelineFile, timelineCsv(report.timeline))
  if (output.hgrm !== undefined) writeHgrm(output.hgrm, report)
  if (output.htmlFile !== undefined) writeHtmlReport(output.htmlFile, report)
  if (output.json) process.stdout.write(JSON.stringify(report, null, 2) + '\n')
  const table = !output.quiet && (!output.json || process.stderr.isTTY)
  if (table) process.stderr.write(renderReport(report))
  // Without the table a failed run would otherwise exit 1 with nothing said on stderr (#11).
  else process.stderr.write(renderVerdict(report))
  process.exitCode = report.exitCode
  return table
}
