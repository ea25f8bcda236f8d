// What a run measures besides its counters: latency histograms and breakdowns. One shape at both ends:
// a worker posts its own (histograms encoded), the main thread merges them (histograms decoded).

/** Per-kind error counts plus one sample message per kind. */
export type ErrorKinds = Record<string, { count: number, sample: string }>

/**
 * Cumulative statistics that do not fit in counters, of one worker incarnation or merged over many.
 * `H` is a latency histogram (µs): encoded (a string) on its way from a worker, decoded once merged.
 */
export interface Snapshot<H> {
  /** Latency from the intended send time (coordinated omission corrected). */
  corrected: H
  raw: H
  /** Start lag: how late requests started against the arrival schedule. */
  lag: H
  errors: ErrorKinds
  statusCodes: Record<string, number>
  perAddress: Record<string, number>
  protocols: Record<string, number>
  /**
   * Counts per origin and key (`requests`, `throttled`, an outcome kind); send fills it for the
   * per-push-service timeline and table, which read it second by second (a merge leaves it out).
   */
  perOrigin: Record<string, Record<string, number>>
}
