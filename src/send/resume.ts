// Resumable sends. The state of a run is (1) the outcome files, append-only, one record per settled line,
// and (2) a dispatch journal written *before* lines are handed to workers. A run starts fresh unless asked
// to resume (#11): `--resume` continues an unfinished run in --out (lines with an outcome are skipped, lines
// dispatched without one are indeterminate), and a run that finished closes its state, so the same command
// the next day sends everything again. Lines are matched by key (their endpoint), never by line number.
import { closeSync, createReadStream, existsSync, fdatasync, fsyncSync, writeFileSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { NotifySenderError } from '../errors.js'
import { DEFAULTS } from '../defaults.js'
import { writeFileAtomic } from '../fs/atomic-write.js'
import type { InputIdentity } from '../input/identity.js'
import { LineState, LineStates } from './line-states.js'
import { OUTCOME_FILES, appendWhole, openAppend } from './outcome-files.js'
import type { OutcomeKind } from './outcome.js'

const JOURNAL_SUFFIX = '.journal'

// Version 2: lines are keyed by endpoint (version 1 numbered them) and a finished run is closed.
const STATE_VERSION = 2
const KEY_RE = /^\{"line":\d+,"key":"([^"]+)"/

interface StateDoc {
  version: number
  input: InputIdentity | null
  /** `i/n` of a sharded send; absent in older state files. */
  shard?: string | null
  createdAt: string
  runs: number
  /** Set when a run read its whole input and settled every line: the next run starts fresh. */
  finishedAt?: string | null
}

/** How a send uses the state left in --out by earlier runs. */
export interface ResumeMode {
  /** `--resume`: continue an unfinished run; start fresh when there is none. */
  resume: boolean
  /** `--retry-failed`: continue the last run, finished or not, and send its failed lines again. */
  retryFailed: boolean
  /** `--resend-indeterminate`: continue the last run, finished or not, and send its indeterminate lines again. */
  resendIndeterminate: boolean
}

const FRESH: ResumeMode = { resume: false, retryFailed: false, resendIndeterminate: false }

/** Progress of a resumable send: what earlier runs settled, plus this run's dispatch journal. */
export class ResumeState {
  /** Directory of the outcome files (the record of what was settled). */
  readonly dir: string
  readonly statePath: string
  readonly lines = new LineStates()
  /** True when this run continues an earlier one (its outcome files are appended to, its lines skipped). */
  readonly resumed: boolean
  readonly #journalFd: number
  readonly #doc: StateDoc
  #syncTimer: NodeJS.Timeout | null = null
  #dirty = false
  #closed = false

  private constructor (dir: string, statePath: string, resumed: boolean, journalFd: number, doc: StateDoc) {
    this.dir = dir
    this.statePath = statePath
    this.resumed = resumed
    this.#journalFd = journalFd
    this.#doc = doc
  }

  /**
   * Opens the state of the outcomes in `dir`: continues the earlier run when `mode` asks for it (checking
   * that it belongs to the same input and shard), otherwise starts a fresh one.
   * @throws NS_ERR_STATE when an unfinished run is there and `mode` does not resume it, or it is another input's
   */
  static async open (dir: string, input: InputIdentity | null, statePath = join(dir, DEFAULTS.send.stateFile), shard: string | null = null, mode: ResumeMode = FRESH): Promise<ResumeState> {
    let doc: StateDoc | null = null
    if (existsSync(statePath)) {
      try {
        doc = JSON.parse(readFileSync(statePath, 'utf8')) as StateDoc
      } catch (err) {
        throw new NotifySenderError(`${statePath} is not valid JSON (${(err as Error).message}); remove it to start over`, 'NS_ERR_STATE')
      }
      if (doc.version !== STATE_VERSION) throw new NotifySenderError(`${statePath} has state version ${doc.version}, expected ${STATE_VERSION} (written by an older notify-sender); finish that run with the version that started it, or remove ${statePath} to start over`, 'NS_ERR_STATE')
    }
    const unfinished = doc !== null && (doc.finishedAt ?? null) === null
    const reopen = mode.retryFailed || mode.resendIndeterminate
    const resumed = doc !== null && (reopen || (mode.resume && unfinished))
    if (doc !== null && unfinished && !resumed) {
      throw new NotifySenderError(`${dir} holds an unfinished run (started ${doc.createdAt}); add --resume to finish it, or give another --out (or remove ${statePath}) to start over`, 'NS_ERR_STATE')
    }
    if (resumed && doc !== null) {
      if (doc.input !== null && input !== null && (doc.input.size > input.size || doc.input.headSha256 !== input.headSha256)) {
        throw new NotifySenderError(`cannot resume: ${dir} holds the progress of another input (${doc.input.path}, ${doc.input.size === 0 ? 'another source or query' : `${doc.input.size} bytes`}); run without --resume to start over, or use another --out directory`, 'NS_ERR_STATE')
      }
      // Another shard's progress would skip lines this shard never saw, and send none of its own twice.
      if ((doc.shard ?? null) !== shard) {
        throw new NotifySenderError(`${dir} holds the progress of ${doc.shard == null ? 'an unsharded send' : `shard ${doc.shard}`}, not of ${shard === null ? 'an unsharded send' : `shard ${shard}`}; give each shard its own --out directory`, 'NS_ERR_STATE')
      }
    }
    const next: StateDoc = resumed && doc !== null
      ? { ...doc, version: STATE_VERSION, input: input ?? doc.input, shard, runs: doc.runs + 1, finishedAt: null }
      : { version: STATE_VERSION, input, shard, createdAt: new Date().toISOString(), runs: 1, finishedAt: null }
    writeFileAtomic(statePath, JSON.stringify(next, null, 2) + '\n')
    const journalPath = statePath + JOURNAL_SUFFIX
    // A fresh run forgets the journal of the last one (the outcome files are emptied by OutcomeFiles).
    if (!resumed) writeFileSync(journalPath, '')
    const fd = openAppend(journalPath)
    const state = new ResumeState(dir, statePath, resumed, fd, next)
    if (resumed) await state.#load(mode.retryFailed)
    return state
  }

  /** Records, durably enough to survive kill -9, that these lines are about to be handed to a worker. */
  journal (keys: readonly string[]): void {
    this.#append('+', keys)
  }

  /**
   * Records that these lines came back unattempted (a clean stop): a resume sends them instead of
   * calling them indeterminate (#11: the journal's "dispatched" used to win).
   */
  undispatch (keys: readonly string[]): void {
    this.#append('-', keys)
  }

  /** Marks the run finished: the next run without --resume starts fresh instead of being refused. */
  finish (): void {
    writeFileAtomic(this.statePath, JSON.stringify({ ...this.#doc, finishedAt: new Date().toISOString() }, null, 2) + '\n')
  }

  /** Flushes the journal to disk (machine crashes); called on a timer and at the end. */
  sync (): void {
    if (!this.#dirty || this.#closed) return
    this.#dirty = false
    fdatasync(this.#journalFd, () => {})
  }

  /** Closes the journal after a final sync (idempotent; a full disk only loses the sync). */
  close (): void {
    if (this.#closed) return
    this.#closed = true
    if (this.#syncTimer !== null) clearTimeout(this.#syncTimer)
    try {
      fsyncSync(this.#journalFd)
    } catch {}
    closeSync(this.#journalFd)
  }

  #append (sign: string, keys: readonly string[]): void {
    if (keys.length === 0) return
    // A synchronous write lands in the page cache before the worker sees the lines: a killed process
    // cannot have sent a line the journal does not know about. A failed write throws (the caller stops).
    appendWhole(this.#journalFd, sign + keys.join('\n' + sign) + '\n')
    this.#dirty = true
    this.#syncTimer ??= setTimeout(() => { this.#syncTimer = null; this.sync() }, 1000).unref()
  }

  async #load (retryFailed: boolean): Promise<void> {
    // The journal is replayed in order: a line given back unattempted and then dispatched again by a
    // later run (killed) is in flight again.
    await forEachLine(this.statePath + JOURNAL_SUFFIX, (line) => {
      const key = line.slice(1)
      if (line[0] === '+') this.lines.raise(key, LineState.Dispatched)
      else if (line[0] === '-' && this.lines.get(key) === LineState.Dispatched) this.lines.set(key, LineState.New)
    })
    const kinds: OutcomeKind[] = ['sent', 'expired', 'invalid', 'indeterminate', 'failed']
    for (const kind of kinds) {
      const state = kind === 'indeterminate' ? LineState.Indeterminate : LineState.Done
      await forEachLine(join(this.dir, OUTCOME_FILES[kind]), (line) => {
        // Only whole records count: a record cut short by a crash did not settle its line.
        const m = KEY_RE.exec(line)
        if (m === null || !line.endsWith('}')) return
        const key = m[1] as string
        // --retry-failed: a failed line is sent again unless another record settled the same endpoint.
        if (kind === 'failed' && retryFailed) {
          if (this.lines.get(key) === LineState.Dispatched) this.lines.set(key, LineState.New)
          return
        }
        this.lines.raise(key, state)
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
