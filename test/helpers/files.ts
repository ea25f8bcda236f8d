import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after } from 'node:test'

/** A fresh temporary directory removed when the test file finishes. */
export function tempDir (prefix = 'notify-sender-test-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  after(() => { rmSync(dir, { recursive: true, force: true }) })
  return dir
}

/** Writes `content` to `name` inside a fresh temporary directory and returns the path. */
export function tempFile (name: string, content: string | Buffer): string {
  const path = join(tempDir(), name)
  writeFileSync(path, content)
  return path
}
