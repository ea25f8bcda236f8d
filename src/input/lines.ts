import { open } from 'node:fs/promises'
import type { FileHandle } from 'node:fs/promises'
import { InvalidOptionError, NotifySenderError } from '../errors.js'

/** One non-blank input line, or a line that was too long to keep; `lineNo` is 1-based and counts every physical line. */
export type LineRecord =
  | { lineNo: number, text: string }
  | { lineNo: number, error: 'line-too-long', bytes: number }

/** Default limit on a line's length in bytes (excluding its LF or CRLF terminator): 1 MiB. */
export const DEFAULT_MAX_LINE_BYTES = 1024 * 1024

const LF = 0x0a
const CR = 0x0d
const BLANK = /^[ \t\r]*$/

/**
 * Synchronous core of {@link readLines}: feed it chunks, collect records. Holds at most
 * maxLineBytes + 1 bytes of an unfinished line (plus the chunk it came in); longer lines are
 * counted and dropped, never buffered. Lines are decoded from their own bytes, so chunk boundaries
 * (inside a multi-byte character or a CRLF pair) cannot change the result.
 */
export class LineSplitter {
  readonly maxLineBytes: number
  #lineNo = 0
  #pending: Buffer[] = []
  #pendingBytes = 0
  #discarding = false
  #discarded = 0
  #lastByte = -1

  constructor (maxLineBytes: number = DEFAULT_MAX_LINE_BYTES) {
    if (!Number.isSafeInteger(maxLineBytes) || maxLineBytes < 1) {
      throw new InvalidOptionError(`maxLineBytes must be a positive integer, got ${String(maxLineBytes)}`)
    }
    this.maxLineBytes = maxLineBytes
  }

  /** Bytes of the unfinished line currently held; never more than maxLineBytes + 1. */
  get pendingBytes (): number {
    return this.#pendingBytes
  }

  /** Splits a chunk, appending complete lines to `out` (returned). */
  push (chunk: Buffer | string, out: LineRecord[] = []): LineRecord[] {
    const buf = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk
    // One byte over the limit is kept because it may be the CR of a CRLF, which does not count.
    const keep = this.maxLineBytes + 1
    let pos = 0
    while (pos < buf.length) {
      const nl = buf.indexOf(LF, pos)
      if (nl === -1) {
        const rest = buf.length - pos
        this.#lastByte = buf[buf.length - 1] ?? -1
        if (this.#discarding) {
          this.#discarded += rest
        } else if (this.#pendingBytes + rest > keep) {
          this.#discarding = true
          this.#discarded = this.#pendingBytes + rest
          this.#pending = []
          this.#pendingBytes = 0
        } else {
          this.#pending.push(pos === 0 ? buf : buf.subarray(pos))
          this.#pendingBytes += rest
        }
        break
      }
      this.#lineNo++
      const seg = nl - pos
      if (this.#discarding) {
        this.#tooLong(this.#discarded + seg, seg > 0 ? buf[nl - 1] : this.#lastByte, out)
      } else if (this.#pendingBytes === 0) {
        this.#emit(buf, pos, nl, out)
      } else {
        const total = this.#pendingBytes + seg
        if (total > keep) {
          this.#tooLong(total, seg > 0 ? buf[nl - 1] : this.#lastByte, out)
        } else {
          this.#pending.push(buf.subarray(pos, nl))
          this.#emit(Buffer.concat(this.#pending, total), 0, total, out)
        }
      }
      this.#pending = []
      this.#pendingBytes = 0
      this.#discarding = false
      this.#discarded = 0
      pos = nl + 1
    }
    return out
  }

  /** Flushes a final line that has no newline after it. */
  end (out: LineRecord[] = []): LineRecord[] {
    if (this.#discarding) {
      this.#lineNo++
      this.#tooLong(this.#discarded, this.#lastByte, out)
    } else if (this.#pendingBytes > 0) {
      this.#lineNo++
      this.#emit(Buffer.concat(this.#pending, this.#pendingBytes), 0, this.#pendingBytes, out)
    }
    this.#pending = []
    this.#pendingBytes = 0
    this.#discarding = false
    this.#discarded = 0
    return out
  }

  #tooLong (bytes: number, lastByte: number | undefined, out: LineRecord[]): void {
    out.push({ lineNo: this.#lineNo, error: 'line-too-long', bytes: lastByte === CR ? bytes - 1 : bytes })
  }

  #emit (buf: Buffer, start: number, end: number, out: LineRecord[]): void {
    if (end > start && buf[end - 1] === CR) end--
    if (end - start > this.maxLineBytes) {
      out.push({ lineNo: this.#lineNo, error: 'line-too-long', bytes: end - start })
      return
    }
    let text = buf.toString('utf8', start, end)
    if (this.#lineNo === 1 && text.charCodeAt(0) === 0xfeff) text = text.slice(1)
    if (text.length === 0 || (text.charCodeAt(0) <= 0x20 && BLANK.test(text))) return
    out.push({ lineNo: this.#lineNo, text })
  }
}

/** Streams NDJSON lines from `source`; blank lines are counted but not yielded, a UTF-8 BOM and CRLF endings are removed. */
export async function * readLines (
  source: AsyncIterable<Buffer | string>,
  options: { maxLineBytes?: number | undefined } = {}
): AsyncGenerator<LineRecord> {
  const splitter = new LineSplitter(options.maxLineBytes)
  const out: LineRecord[] = []
  for await (const chunk of source) {
    splitter.push(chunk, out)
    for (const r of out) yield r
    out.length = 0
  }
  for (const r of splitter.end(out)) yield r
}

/**
 * Opens the input: `'-'` is stdin, anything else a file read in 64 KiB chunks. The file is opened
 * before this resolves, so a missing or unreadable file fails (NS_ERR_INPUT) before anything is sent.
 * Read errors later on are rethrown as NS_ERR_INPUT too. Iterate the result (breaking out early is
 * fine): that is what closes the file.
 */
export async function openInput (path: string, stdin: NodeJS.ReadableStream = process.stdin): Promise<AsyncIterable<Buffer>> {
  if (path === '-') return asBuffers(stdin, 'stdin')
  let fh: FileHandle
  try {
    fh = await open(path, 'r')
  } catch (err) {
    throw inputError(`cannot open input file ${path}`, err)
  }
  try {
    // open(2) succeeds on a directory; reading it is what fails, so refuse it here.
    if ((await fh.stat()).isDirectory()) throw Object.assign(new Error('EISDIR: illegal operation on a directory'), { code: 'EISDIR' })
  } catch (err) {
    await fh.close().catch(() => {})
    throw inputError(`cannot read input file ${path}`, err)
  }
  return asBuffers(fh.createReadStream({ highWaterMark: 64 * 1024 }), `input file ${path}`)
}

async function * asBuffers (stream: AsyncIterable<Buffer | string>, what: string): AsyncGenerator<Buffer> {
  try {
    for await (const chunk of stream) yield typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk
  } catch (err) {
    throw inputError(`error while reading ${what}`, err)
  }
}

function inputError (context: string, err: unknown): NotifySenderError {
  const msg = err instanceof Error ? err.message : String(err)
  // "ENOENT: no such file or directory, open 'x'" -> "no such file or directory (ENOENT)"
  const m = /^([A-Z][A-Z0-9_]+): ([^,]+)/.exec(msg)
  const reason = m === null ? msg : `${m[2] ?? ''} (${m[1] ?? ''})`
  return new NotifySenderError(`${context}: ${reason}`, 'NS_ERR_INPUT', { cause: err })
}
