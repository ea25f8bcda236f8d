// Reading reports back (for `merge`): each file is checked to be a notify-sender report of this schema
// before anything is merged, and every error names the file at fault.
import { readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { ReportError } from '../errors.js'
import { REPORT_SCHEMA } from './report.js'
import type { Report } from './report.js'

const SECTIONS = ['requests', 'status', 'errors', 'latency', 'bytes', 'connections', 'perAddress', 'histograms'] as const
const HISTOGRAMS = ['corrected', 'raw', 'startLag'] as const

function isObject (v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

/**
 * Checks that `value` is a report this version can merge and returns it typed.
 * @throws ReportError (NS_ERR_REPORT) naming `source` and what is wrong.
 */
export function checkReport (value: unknown, source: string): Report {
  if (!isObject(value) || value.tool !== 'notify-sender') {
    throw new ReportError(`${source} is not a notify-sender report (no "tool": "notify-sender")`)
  }
  if (value.schema !== REPORT_SCHEMA) {
    throw new ReportError(`${source} has report schema ${JSON.stringify(value.schema)}, this version reads schema ${REPORT_SCHEMA} only (merge reports written by the same notify-sender version)`)
  }
  if (value.command !== 'load' && value.command !== 'send') {
    throw new ReportError(`${source} has "command" ${JSON.stringify(value.command)}, expected "load" or "send"`)
  }
  for (const s of SECTIONS) {
    if (!isObject(value[s])) throw new ReportError(`${source} is not a complete report: "${s}" is missing`)
  }
  const h = value.histograms as Record<string, unknown>
  for (const k of HISTOGRAMS) {
    if (typeof h[k] !== 'string') throw new ReportError(`${source} is not a complete report: "histograms.${k}" is missing`)
  }
  if (typeof value.startedAt !== 'string' || Number.isNaN(Date.parse(value.startedAt))) {
    throw new ReportError(`${source} has no valid "startedAt"`)
  }
  if (typeof value.durationMs !== 'number' || !(value.durationMs >= 0)) throw new ReportError(`${source} has no valid "durationMs"`)
  if (!Array.isArray(value.workers) || !Array.isArray(value.problems)) throw new ReportError(`${source} is not a complete report: "workers" or "problems" is missing`)
  return value as unknown as Report
}

/** The report file a merge argument names: a directory stands for the `report.json` in it (`send --out dir`). */
export function reportPath (path: string): string {
  try {
    if (statSync(path).isDirectory()) return join(path, 'report.json')
  } catch {}
  return path
}

/**
 * Reads and checks one report file (see {@link reportPath} for directories).
 * @throws ReportError (NS_ERR_REPORT) when the file is missing, not JSON or not a report.
 */
export function readReportFile (path: string): Report {
  const file = reportPath(path)
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch (err) {
    throw new ReportError(`cannot read report ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`, { cause: err })
  }
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (err) {
    throw new ReportError(`${file} is not JSON: ${(err as Error).message}`, { cause: err })
  }
  return checkReport(value, file)
}
