// Outcome files under --out: one NDJSON file per outcome kind, appended to (a resumed run adds to them).
import { createWriteStream, mkdirSync } from 'node:fs'
import type { WriteStream } from 'node:fs'
import { join } from 'node:path'
import { InvalidOptionError } from '../errors.js'
import type { OutcomeKind } from '../engine/protocol.js'

/** File name of each outcome kind inside the output directory. */
export const OUTCOME_FILES: Record<OutcomeKind, string> = {
  sent: 'sent.ndjson',
  expired: 'expired.ndjson',
  failed: 'failed.ndjson',
  invalid: 'invalid.ndjson',
  'dry-run': 'dry-run.ndjson',
  'not-attempted': 'not-attempted.ndjson',
  indeterminate: 'indeterminate.ndjson'
}

/** Appends outcome records to per-kind files, exposing backpressure to the reader. */
export class OutcomeFiles {
  readonly dir: string
  readonly #streams = new Map<OutcomeKind, WriteStream>()
  #error: Error | null = null

  constructor (dir: string) {
    try {
      mkdirSync(dir, { recursive: true })
    } catch (err) {
      throw new InvalidOptionError(`--out: cannot create ${dir}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`)
    }
    this.dir = dir
  }

  /** Appends one record; returns false when the file's buffer is full (wait for {@link drained}). */
  write (kind: OutcomeKind, record: string): boolean {
    if (this.#error !== null) throw this.#error
    return this.#stream(kind).write(record + '\n')
  }

  /** True when a file's buffer is full and the reader should wait. */
  get needsDrain (): boolean {
    for (const s of this.#streams.values()) if (s.writableNeedDrain) return true
    return false
  }

  /** Resolves once every file has flushed its buffer. */
  async drained (): Promise<void> {
    await Promise.all([...this.#streams.values()].filter((s) => s.writableNeedDrain).map(async (s) => {
      await new Promise<void>((resolve) => { s.once('drain', () => { resolve() }) })
    }))
  }

  /** Flushes and closes every file. */
  async close (): Promise<void> {
    await Promise.all([...this.#streams.values()].map(async (s) => {
      await new Promise<void>((resolve, reject) => { s.end((err?: Error | null) => { if (err != null) reject(err); else resolve() }) })
    }))
    if (this.#error !== null) throw this.#error
  }

  #stream (kind: OutcomeKind): WriteStream {
    let s = this.#streams.get(kind)
    if (s === undefined) {
      s = createWriteStream(join(this.dir, OUTCOME_FILES[kind]), { flags: 'a', highWaterMark: 256 * 1024 })
      s.on('error', (err) => { this.#error ??= err })
      this.#streams.set(kind, s)
    }
    return s
  }
}
