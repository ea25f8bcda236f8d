// Keeps the input's first line for the "this looks like a JSON array" hint (#11). A plain wrapper
// iterator rather than an async generator: one extra call per line, no extra promise per line.
import type { LineRecord } from './lines.js'

/** Iterates `source` unchanged and calls `seen` once, with the first record's text. */
export function tapFirstLine (source: AsyncIterable<LineRecord>, seen: (text: string) => void): AsyncIterable<LineRecord> {
  return {
    [Symbol.asyncIterator] () {
      const it = source[Symbol.asyncIterator]()
      let first = true
      // `for await` keeps the `next` it got at the start, so the check stays (a boolean per line).
      return {
        next: async () => {
          if (!first) return await it.next()
          first = false
          const r = await it.next()
          if (r.done !== true && 'text' in r.value) seen(r.value.text)
          return r
        },
        return: async (value?: unknown) => await (it.return?.(value) ?? Promise.resolve({ done: true as const, value: undefined }))
      }
    }
  }
}

/** True when a first line opens a JSON array (`[` or `[{…}, …]`), i.e. the input is JSON, not NDJSON. */
export function looksLikeJsonArray (firstLine: string | undefined): boolean {
  return firstLine !== undefined && firstLine.replace(/^\uFEFF/, '').trimStart().startsWith('[')
}
