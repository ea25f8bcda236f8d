// Outcome files under --out: one NDJSON file per outcome kind; a fresh run empties them, a resumed run adds to them.
// Appends are synchronous writes of whole batches: once a worker's outcome batch is handled, its records
// are in the kernel's page cache and survive a kill -9, which is what resuming relies on.
import { closeSync, fdatasync, fstatSync, ftruncateSync, mkdirSync, openSync, readSync, statSync, writeFileSync, writeSync } from 'node:fs'
import { join } from 'node:path'
import { InvalidOptionError, NotifySenderError } from '../errors.js'
import type { OutcomeKind } from './outcome.js'

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

/** Settings of {@link OutcomeFiles}. */
export interface OutcomeFilesOptions {
  /** Empty the files first (a fresh run); otherwise records are appended (a resumed run). */
  fresh?: boolean | undefined
  /**
   * Called once, on the first write error (disk full, I/O error) or when a file was deleted or replaced
   * under the run: the run must stop sending (#12). Records that could not be written are dropped whole.
   */
  onError?: ((err: NotifySenderError) => void) | undefined
}

// How often the files are checked against their paths (deleted or replaced during the run).
const CHECK_MS = 1000

/** Appends outcome records to per-kind files. Every file exists from the start, empty when nothing happened (#11). */
export class OutcomeFiles {
  readonly dir: string
  readonly #fds = new Map<OutcomeKind, { fd: number, path: string, ino: number, dev: number }>()
  readonly #buffers = new Map<OutcomeKind, string[]>()
  readonly #onError: ((err: NotifySenderError) => void) | undefined
  readonly #timer: NodeJS.Timeout
  #error: NotifySenderError | null = null

  constructor (dir: string, opts: OutcomeFilesOptions = {}) {
    try {
      mkdirSync(dir, { recursive: true })
      for (const [kind, name] of Object.entries(OUTCOME_FILES) as Array<[OutcomeKind, string]>) {
        const path = join(dir, name)
        if (opts.fresh === true) writeFileSync(path, '')
        const fd = openAppend(path)
        const st = fstatSync(fd)
        this.#fds.set(kind, { fd, path, ino: st.ino, dev: st.dev })
      }
    } catch (err) {
      for (const f of this.#fds.values()) closeSync(f.fd)
      throw new InvalidOptionError(`--out: cannot create the outcome files in ${dir}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`)
    }
    this.dir = dir
    this.#onError = opts.onError
    this.#timer = setInterval(() => { this.check() }, CHECK_MS).unref()
  }

  /** The first write error or missing file, if any. */
  get error (): NotifySenderError | null {
    return this.#error
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

  /** Writes every queued record (one write per file). A failed write is rolled back: no torn record. */
  flush (): void {
    for (const [kind, records] of this.#buffers) {
      if (records.length === 0) continue
      const f = this.#fds.get(kind)
      const text = records.join('\n') + '\n'
      records.length = 0
      if (f === undefined) continue
      try {
        appendWhole(f.fd, text)
      } catch (err) {
        this.#fail(new NotifySenderError(`cannot write ${f.path}: ${describeWriteError(err)}`, 'NS_ERR_OUTPUT', { cause: err }))
      }
    }
  }

  /** Checks that every file is still the one at its path (not deleted or replaced); reports it once. */
  check (): void {
    if (this.#error !== null) return
    for (const f of this.#fds.values()) {
      let why: string | null = null
      try {
        const st = statSync(f.path)
        if (st.ino !== f.ino || st.dev !== f.dev) why = 'was replaced by another file'
        else if (fstatSync(f.fd).nlink === 0) why = 'was deleted'
      } catch {
        why = 'was deleted'
      }
      if (why !== null) {
        this.#fail(new NotifySenderError(`${f.path} ${why} during the run: the outcome records written to it are lost`, 'NS_ERR_OUTPUT'))
        return
      }
    }
  }

  /** Flushes to the disk itself (not only the page cache), for machine crashes. */
  async sync (): Promise<void> {
    this.flush()
    await Promise.all([...this.#fds.values()].map(async ({ fd }) => {
      await new Promise<void>((resolve) => { fdatasync(fd, () => { resolve() }) })
    }))
  }

  /** Flushes, syncs, checks and closes every file. */
  async close (): Promise<void> {
    clearInterval(this.#timer)
    await this.sync()
    this.check()
    for (const { fd } of this.#fds.values()) closeSync(fd)
    this.#fds.clear()
  }

  #fail (err: NotifySenderError): void {
    if (this.#error !== null) return
    this.#error = err
    this.#onError?.(err)
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

/**
 * Appends `text` whole or not at all: when the disk fills up mid-write (ENOSPC) the file is cut back to
 * where it was, so no torn record is left for readers (#12). Throws the write error.
 */
export function appendWhole (fd: number, text: string): void {
  const size = fstatSync(fd).size
  try {
    writeAll(fd, text)
  } catch (err) {
    try {
      ftruncateSync(fd, size)
    } catch {}
    throw err
  }
}

/** "no space left on device (ENOSPC)" from a write error, for messages. */
export function describeWriteError (err: unknown): string {
  const e = err as NodeJS.ErrnoException
  const m = /^([A-Z][A-Z0-9_]+): ([^,]+)/.exec(e.message ?? '')
  return m === null ? `${String(e.message)}${e.code === undefined ? '' : ` (${e.code})`}` : `${m[2] ?? ''} (${m[1] ?? ''})`
}
