// The identity of an input line across runs: its endpoint (the subscription), never its line number. A
// PostgreSQL table changes between runs (rows deleted, rows added), so row N of today is not row N of
// yesterday; matching by number skipped new subscribers (#11). The key is computed on the main thread
// without parsing the JSON: the first "endpoint" string in the line, or the whole line when it has none.
import { createHash } from 'node:crypto'

const ENDPOINT_RE = /"endpoint"\s*:\s*"((?:[^"\\]|\\.)*)"/

/** A short, stable key of a subscription line (96 bits of SHA-256 of its endpoint, base64url). */
export function lineKey (text: string): string {
  const m = ENDPOINT_RE.exec(text)
  return createHash('sha256').update(m === null ? `line\n${text}` : `endpoint\n${m[1] ?? ''}`).digest('base64url').slice(0, 16)
}
