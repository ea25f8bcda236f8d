// Latency histograms (HdrHistogram, microseconds). Each worker records into its own histograms and ships
// compressed snapshots; only the supervisor decodes and merges them (autocannon's aggregateResult model).
import { build, decodeFromCompressedBase64, encodeIntoCompressedBase64 } from 'hdr-histogram-js'
import type { Histogram } from 'hdr-histogram-js'

// One hour in µs: anything slower is clamped rather than dropped so the count still reconciles.
const HIGHEST_US = 3_600_000_000

/** A latency histogram in microseconds. */
export type LatencyHistogram = Histogram

/** Creates an empty latency histogram (µs, 3 significant digits). */
export function createHistogram (): LatencyHistogram {
  return build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: HIGHEST_US,
    numberOfSignificantValueDigits: 3,
    bitBucketSize: 32,
    useWebAssembly: false
  })
}

/** Records a duration given in milliseconds (from `performance.now()` differences). */
export function recordMs (h: LatencyHistogram, ms: number): void {
  let us = Math.round(ms * 1000)
  if (us < 1) us = 1
  else if (us > HIGHEST_US) us = HIGHEST_US
  h.recordValue(us)
}

/** Compressed base64 form that crosses thread boundaries and is stored in reports. */
export function encodeHistogram (h: LatencyHistogram): string {
  return encodeIntoCompressedBase64(h)
}

/** Decodes a snapshot produced by {@link encodeHistogram}. */
export function decodeHistogram (encoded: string): LatencyHistogram {
  return decodeFromCompressedBase64(encoded, 32, false)
}

/** Merges encoded snapshots into one histogram (empty strings are skipped). */
export function mergeEncoded (encoded: Iterable<string>): LatencyHistogram {
  const total = createHistogram()
  for (const e of encoded) {
    if (e === '') continue
    total.add(decodeHistogram(e))
  }
  return total
}

/** Percentile summary in milliseconds, as reports show it. */
export interface LatencySummary {
  count: number
  min: number
  mean: number
  p50: number
  p90: number
  /** k6's default percentile. */
  p95: number
  p99: number
  p999: number
  max: number
  /** Standard deviation. */
  stddev: number
}

/** Summarises a histogram in milliseconds (µs precision). */
export function summarize (h: LatencyHistogram): LatencySummary {
  const ms = (us: number): number => Math.round(us) / 1000
  if (h.totalCount === 0) return { count: 0, min: 0, mean: 0, p50: 0, p90: 0, p95: 0, p99: 0, p999: 0, max: 0, stddev: 0 }
  return {
    count: h.totalCount,
    min: ms(h.minNonZeroValue),
    mean: ms(h.mean),
    p50: ms(h.getValueAtPercentile(50)),
    p90: ms(h.getValueAtPercentile(90)),
    p95: ms(h.getValueAtPercentile(95)),
    p99: ms(h.getValueAtPercentile(99)),
    p999: ms(h.getValueAtPercentile(99.9)),
    max: ms(h.maxValue),
    stddev: ms(h.stdDeviation)
  }
}
