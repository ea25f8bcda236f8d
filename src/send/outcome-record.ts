// The NDJSON record written for each subscription line. Built in the worker (which parsed the line) so
// the main thread only appends text to the right file.
import type { Subscription } from '../webpush/subscription.js'

/**
 * Serializes one outcome: the line number, the line's resume key (when the send keeps state; a resume
 * matches records to lines by it), outcome fields, the line's metadata and, when useful, its endpoint.
 */
export function outcomeRecord (work: { lineNo: number, key?: string | undefined }, fields: Record<string, unknown>, sub: Subscription | undefined, withEndpoint: boolean): string {
  const rec: Record<string, unknown> = work.key === undefined ? { line: work.lineNo, ...fields } : { line: work.lineNo, key: work.key, ...fields }
  if (sub !== undefined) {
    // The expired list is what users prune their database with; failed lines are what they may resend.
    if (withEndpoint) rec.endpoint = sub.endpoint
    if (Object.keys(sub.meta).length > 0) rec.meta = sub.meta
  }
  return JSON.stringify(rec)
}
