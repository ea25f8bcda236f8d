// Resumable sends. The state of a run is (1) the outcome files, append-only, one record per settled line,
// and (2) a dispatch journal written *before* lines are handed to workers. Re-running the same command
// reads both: lines with an outcome are skipped, and lines that were dispatched without an outcome (the
// process was killed while they were in flight) are reported as indeterminate instead of being sent again.
import { createHash } from 'node:crypto'
import { closeSync, createReadStream, existsSync, fdatasync, fsyncSync, openSync, readSync, renameSync, statSync, writeFileSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { NotifySenderError } from '../errors.js'
import { LineState, LineStates } from './line-states.js'
import type { LineStateValue } from './line-states.js'
import { OUTCOME_FILES, openAppend, writeAll } from './outcome-files.js'
import type { OutcomeKind } from '../engine/protocol.js'

/** Default state file name inside the --out directory; the journal sits next to it. */
export const STATE_FILE = 'state.json'
const JOURNAL_SUFFIX = '.journal'

const STATE_VERSION = 1
const HEAD_BYTES = 64 * 1024
const LINE_RE = /^\{"line":(\d+)/
const JOURNAL_RE = /^(\d+) (\d+)$/

/** Identity of the input, so a resume cannot silently apply one file's progress to another. */
export interface InputIdentity {
  path: string
  size: number
  headSha256: string
}

interface StateDoc {
  version: number
  input: InputIdentity | null
  /** `i/n` of a sharded send; absent in older state files. */
  shard?: string | null
  createdAt: string
  runs: number
}

const SETTLED: Record<OutcomeKind, LineStateValue | null> = {
  sent: LineState.Done,
  expired: LineState.Done,
  failed: LineState.Done,
  invalid: LineState.Done,
  indeterminate: LineState.Indeterminate,
  // Neither was sent: a later run attempts them.
  'not-attempted': null,
  'dry-run': null
}

/** Identity of a file input (size and the hash of its first 64 KiB); null for stdin. */
export function identifyInput (path: string | undefined): InputIdentity | null {
  if (path === undefined || path === '-') return null
  const st = statSync(path)
  const fd = openSync(path, 'r')
  try {
    const head = Buffer.alloc(Math.min(HEAD_BYTES, st.size))
    readSync(fd, head, 0, head.length, 0)
    return { path, size: st.size, headSha256: createHash('sha256').update(head).digest('hex') }
  } finally {
    closeSync(fd)
  }
}

/** Progress of a resumable send: what earlier runs settled, plus this run's dispatch journal. */
export class ResumeState {
  /** Directory of the outcome files (the record of what was settled). */
  readonly dir: string
  readonly statePath: string
  readonly lines = new LineStates()
  /** True when earlier runs left state behind. */
  readonly resumed: boolean
  readonly #journalFd: number
  #syncTimer: NodeJS.Timeout | null = null
  #dirty = false

  private constructor (dir: string, statePath: string, resumed: boolean, journalFd: number) {
    this.dir = dir
    this.statePath = statePath
    this.resumed = resumed
    this.#journalFd = journalFd
  }

  /** Opens (or creates) the state of the outcomes in `dir`, checking that it belongs to the same input. */
  static async open (dir: string, input: InputIdentity | null, statePath = join(dir, STATE_FILE), shard: string | null = null): Promise<ResumeState> {
    let doc: StateDoc | null = null
    if (existsSync(statePath)) {
      try {
        doc = JSON.parse(readFileSync(statePath, 'utf8')) as StateDoc
      } catch (err) {
        throw new NotifySenderError(`${statePath} is not valid JSON (${(err as Error).message}); remove it to start over`, 'NS_ERR_STATE')
      }
      if (doc.version !== STATE_VERSION) throw new NotifySenderError(`${statePath} has state version ${doc.version}, expected ${STATE_VERSION}`, 'NS_ERR_STATE')
      if (doc.input !== null && input !== null && (doc.input.size > input.size || doc.input.headSha256 !== input.headSha256)) {
        throw new NotifySenderError(`${dir} holds the progress of another input (${doc.input.path}, ${doc.input.size} bytes); use another --out directory or remove ${statePath} to start over`, 'NS_ERR_STATE')
      }
      // Another shard's progress would skip lines this shard never saw, and send none of its own twice.
      if ((doc.shard ?? null) !== shard) {
        throw new NotifySenderError(`${dir} holds the progress of ${doc.shard == null ? 'an unsharded send' : `shard ${doc.shard}`}, not of ${shard === null ? 'an unsharded send' : `shard ${shard}`}; give each shard its own --out directory`, 'NS_ERR_STATE')
      }
    }
    const resumed = doc !== null
    const next: StateDoc = { version: STATE_VERSION, input: input ?? doc?.input ?? null, shard, createdAt: doc?.createdAt ?? new Date().toISOString(), runs: (doc?.runs ?? 0) + 1 }
    writeAtomically(statePath, JSON.stringify(next, null, 2) + '\n')
    const fd = openAppend(statePath + JOURNAL_SUFFIX)
    const state = new ResumeState(dir, statePath, resumed, fd)
    if (resumed) await state.#load()
    return state
  }

  /** Records, durably enough to survive kill -9, that these lines are about to be handed to a worker. */
  journal (lineNos: readonly number[]): void {
    if (lineNos.length === 0) return
    let text = ''
    let start = lineNos[0] as number
    let prev = start
    for (let i = 1; i <= lineNos.length; i++) {
      const n = lineNos[i]
      if (n === prev + 1) {
        prev = n
        continue
      }
      text += `${start} ${prev}\n`
      if (n !== undefined) start = prev = n
    }
    // A synchronous write lands in the page cache before the worker sees the lines: a killed process
    // cannot have sent a line the journal does not know about.
    writeAll(this.#journalFd, text)
    this.#dirty = true
    this.#syncTimer ??= setTimeout(() => { this.#syncTimer = null; this.sync() }, 1000).unref()
  }

  /** Flushes the journal to disk (machine crashes); called on a timer and at the end. */
  sync (): void {
    if (!this.#dirty) return
    this.#dirty = false
    fdatasync(this.#journalFd, () => {})
  }

  /** Closes the journal after a final sync. */
  close (): void {
    if (this.#syncTimer !== null) clearTimeout(this.#syncTimer)
    fsyncSync(this.#journalFd)
    closeSync(this.#journalFd)
  }

  async #load (): Promise<void> {
    await forEachLine(this.statePath + JOURNAL_SUFFIX, (line) => {
      const m = JOURNAL_RE.exec(line)
      if (m === null) return
      const b = Number(m[2])
      for (let n = Number(m[1]); n <= b; n++) this.lines.raise(n, LineState.Dispatched)
    })
    for (const [kind, file] of Object.entries(OUTCOME_FILES) as Array<[OutcomeKind, string]>) {
      const state = SETTLED[kind]
      if (state === null) continue
      await forEachLine(join(this.dir, file), (line) => {
        // Only whole records count: a record cut short by a crash did not settle its line.
        const m = LINE_RE.exec(line)
        if (m !== null && line.endsWith('}')) this.lines.raise(Number(m[1]), state)
      })
    }
  }
}

async function forEachLine (path: string, fn: (line: string) => void): Promise<void> {
  if (!existsSync(path)) return
  let rest = ''
  for await (const chunk of createReadStream(path, { encoding: 'utf8', highWaterMark: 256 * 1024 })) {
    const text = rest + (chunk as string)
    const lines = text.split('\n')
    rest = lines.pop() ?? ''
    for (const l of lines) if (l !== '') fn(l)
  }
  // A record cut short by a crash has no newline; its line was never settled, so it is ignored.
}

function writeAtomically (path: string, text: string): void {
  const tmp = `${path}.${process.pid}.tmp`
  writeFileSync(tmp, text)
  const fd = openSync(tmp, 'r')
  fsyncSync(fd)
  closeSync(fd)
  renameSync(tmp, path)
}
