// Which input a resumable send read, so a resume cannot silently apply one input's progress to another.
// A PostgreSQL source has its own (input/postgres-source.ts): its URL without the password and its query.
import { createHash } from 'node:crypto'
import { closeSync, openSync, readSync, statSync } from 'node:fs'

const HEAD_BYTES = 64 * 1024

/** Identity of the input, so a resume cannot silently apply one file's progress to another. */
export interface InputIdentity {
  path: string
  size: number
  headSha256: string
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
