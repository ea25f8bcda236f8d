import { spawn } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { binPath } from './paths.js'

/** What a finished CLI process left behind. */
export interface CliResult {
  /** Exit code; a process that ends itself after a signal (our clean stop) reports it here, not in `signal`. */
  code: number | null
  signal: NodeJS.Signals | null
  stdout: string
  stderr: string
}

/** Options of {@link runCli}. */
export interface RunCliOptions {
  cwd?: string
  /** Extra environment; NOTIFY_SENDER_* variables of the test process are never inherited. */
  env?: NodeJS.ProcessEnv
  /** Kill (SIGKILL) and fail after this long (default 30 s): a hung CLI must fail the test, not stall it. */
  timeoutMs?: number
  /** Called once the child is spawned (to signal it later). */
  onSpawn?: (child: ChildProcess) => void
  /** Another Node binary to run the CLI with (default: the one running the tests). */
  node?: string
  /** Options for Node itself, before the script (e.g. `--import`). */
  nodeArgs?: readonly string[]
}

/** The environment the CLI runs with: the test's own, minus anything that could supply VAPID keys. */
export function cliEnv (extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {}
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('NOTIFY_SENDER_')) env[k] = v
  return { ...env, ...extra }
}

/**
 * Runs `node bin/notify-sender.js ...args` as a real process (stdin closed, so `send` never waits on a
 * terminal) and resolves with its exit status and complete output.
 */
export function runCli (args: readonly string[], opts: RunCliOptions = {}): Promise<CliResult> {
  const timeoutMs = opts.timeoutMs ?? 30_000
  return new Promise((resolve, reject) => {
    const child = spawn(opts.node ?? process.execPath, [...(opts.nodeArgs ?? []), binPath, ...args], {
      cwd: opts.cwd,
      env: cliEnv(opts.env),
      stdio: ['ignore', 'pipe', 'pipe']
    })
    const out: Buffer[] = []
    const err: Buffer[] = []
    child.stdout.on('data', (c: Buffer) => out.push(c))
    child.stderr.on('data', (c: Buffer) => err.push(c))
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`notify-sender ${args.join(' ')}: no exit within ${timeoutMs} ms\nstderr: ${Buffer.concat(err).toString()}`))
    }, timeoutMs)
    child.once('error', (e) => {
      clearTimeout(timer)
      reject(e)
    })
    // 'close' rather than 'exit': it fires once stdout and stderr are fully read.
    child.once('close', (code, signal) => {
      clearTimeout(timer)
      resolve({ code, signal, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') })
    })
    opts.onSpawn?.(child)
  })
}
