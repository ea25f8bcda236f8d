// A subscription line's final outcome, and the compact form in which a worker's outcomes cross to the
// main thread (the send workload's payload of the engine's `workload` message).

/** Final outcome classes of a subscription line. */
export type OutcomeKind = 'sent' | 'expired' | 'failed' | 'invalid' | 'dry-run' | 'not-attempted' | 'indeterminate'

/** Bits of {@link Outcome.flags}: what the main thread counts besides the kind. */
export const OutcomeFlag = {
  /** Settled as delivered, but an earlier attempt may have been delivered too. */
  PossibleDuplicate: 1,
  /** Settled as not delivered (failed, indeterminate...), but some attempt may have been delivered. */
  DeliveryUnknown: 2
} as const

/** One line's final outcome; `record` is the NDJSON text written to the outcome file of its kind. */
export interface Outcome {
  lineNo: number
  kind: OutcomeKind
  record: string
  /** {@link OutcomeFlag} bits; absent when none. */
  flags?: number
}

/** Outcome kinds by their code in an {@link OutcomeBatch}. */
export const OUTCOME_KINDS: readonly OutcomeKind[] = ['sent', 'expired', 'failed', 'invalid', 'dry-run', 'not-attempted', 'indeterminate']

/**
 * Outcomes in the form that crosses the thread boundary: two typed arrays and one string instead of an
 * object per line (structured-cloning objects cost the worker ~2% of a message).
 */
export interface OutcomeBatch {
  lines: Uint32Array
  /** Index into {@link OUTCOME_KINDS}. */
  kinds: Uint8Array
  /** The records, joined by newlines (JSON text never contains a raw newline). */
  records: string
  /** {@link OutcomeFlag} bits per outcome. */
  flags: Uint8Array
}

/** Packs outcomes for postMessage. */
export function packOutcomes (outcomes: readonly Outcome[]): OutcomeBatch {
  const lines = new Uint32Array(outcomes.length)
  const kinds = new Uint8Array(outcomes.length)
  const flags = new Uint8Array(outcomes.length)
  const records: string[] = []
  for (let i = 0; i < outcomes.length; i++) {
    const o = outcomes[i] as Outcome
    lines[i] = o.lineNo
    kinds[i] = OUTCOME_KINDS.indexOf(o.kind)
    flags[i] = o.flags ?? 0
    records.push(o.record)
  }
  return { lines, kinds, records: records.join('\n'), flags }
}

/** Unpacks a batch made by {@link packOutcomes}. */
export function unpackOutcomes (b: OutcomeBatch): Outcome[] {
  const records = b.records.split('\n')
  const out: Outcome[] = []
  for (let i = 0; i < b.lines.length; i++) {
    const o: Outcome = { lineNo: b.lines[i] as number, kind: OUTCOME_KINDS[b.kinds[i] as number] as OutcomeKind, record: records[i] as string }
    const flags = b.flags[i] ?? 0
    if (flags !== 0) o.flags = flags
    out.push(o)
  }
  return out
}
