// Outcome files under --out: one NDJSON file per outcome kind, appended to (a resumed run adds to them).
// Appends are synchronous writes of whole batches: once a worker's outcome batch is handled, its records
// are in the kernel's page cache and survive a kill -9, which is what resuming relies on.
import { closeSync, fdatasync, fstatSync, mkdirSync, openSync, readSync, writeSync } from 'node:fs'
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

/** Appends outcome records to per-kind files. */
export class OutcomeFiles {
  readonly dir: string
  readonly #fds = new Map<OutcomeKind, number>()
  readonly #buffers = new Map<OutcomeKind, string[]>()

  constructor (dir: string) {
    try {
      mkdirSync(dir, { recursive: true })
    } catch (err) {
      throw new InvalidOptionError(`--out: cannot create ${dir}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`)
    }
    this.dir = dir
  }

  /** Queues one record; call {@link flush} after a batch. */
  write (kind: OutcomeKind, record: string): void {
    let b = this.#buffers.get(kind)
    if (b === undefined) {
      b = []
      this.#buffers.set(kind, b)
    }
    b.push(record)
  }

  /** Writes every queued record (one write per file). */
  flush (): void {
    for (const [kind, records] of this.#buffers) {
      if (records.length === 0) continue
      writeAll(this.#fd(kind), records.join('\n') + '\n')
      records.length = 0
    }
  }

  /** Flushes to the disk itself (not only the page cache), for machine crashes. */
  async sync (): Promise<void> {
    this.flush()
    await Promise.all([...this.#fds.values()].map(async (fd) => {
      await new Promise<void>((resolve) => { fdatasync(fd, () => { resolve() }) })
    }))
  }

  /** Flushes, syncs and closes every file. */
  async close (): Promise<void> {
    await this.sync()
    for (const fd of this.#fds.values()) closeSync(fd)
    this.#fds.clear()
  }

  #fd (kind: OutcomeKind): number {
    let fd = this.#fds.get(kind)
    if (fd === undefined) {
      fd = openAppend(join(this.dir, OUTCOME_FILES[kind]))
      this.#fds.set(kind, fd)
    }
    return fd
  }
}

/**
 * Opens a file for appending records. If a killed run left a partial last line, a newline is added
 * first so that the torn record stays a line of its own (readers skip it) instead of swallowing ours.
 */
export function openAppend (path: string): number {
  const fd = openSync(path, 'a+')
  const size = fstatSync(fd).size
  if (size > 0) {
    const last = Buffer.alloc(1)
    readSync(fd, last, 0, 1, size - 1)
    if (last[0] !== 0x0a) writeAll(fd, '\n')
  }
  return fd
}

/** writeSync may write less than asked (large buffers, signals): loop until everything is out. */
export function writeAll (fd: number, text: string): void {
  const buf = Buffer.from(text, 'utf8')
  let off = 0
  while (off < buf.length) off += writeSync(fd, buf, off, buf.length - off)
}
