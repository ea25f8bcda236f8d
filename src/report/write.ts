// Writes a report file atomically: a crash or a kill mid-write leaves the previous file, never half a JSON.
import { writeFileAtomic } from '../fs/atomic-write.js'
import type { Report } from './report.js'

/** Writes `report` to `path` as indented JSON, atomically. */
export function writeReportFile (path: string, report: Report): void {
  writeFileAtomic(path, JSON.stringify(report, null, 2) + '\n')
}
