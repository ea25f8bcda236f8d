// Writes a report file atomically: a crash or a kill mid-write leaves the previous file, never half a JSON.
import { renameSync, writeFileSync } from 'node:fs'
import type { Report } from './report.js'

/** Writes `report` to `path` via a temporary file and a rename. */
export function writeReportFile (path: string, report: Report): void {
  const tmp = `${path}.${process.pid}.tmp`
  writeFileSync(tmp, JSON.stringify(report, null, 2) + '\n')
  renameSync(tmp, path)
}
