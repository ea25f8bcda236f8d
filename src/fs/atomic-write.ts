// The one way notify-sender replaces a file it owns (report, resume state, exports, metrics): readers,
// and a run resumed after a crash or a power cut, see the old file or the new one, never half of one.
import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { dirname } from 'node:path'

/**
 * Writes `data` to a temporary file beside `path`, flushes it to disk, renames it over `path` and
 * flushes the directory, so the rename itself survives a crash.
 * @throws the write's own error (ENOSPC, EACCES...), after removing the temporary file.
 */
export function writeFileAtomic (path: string, data: string | Uint8Array): void {
  // Same directory: a rename across file systems is not atomic (it fails with EXDEV).
  const tmp = `${path}.${process.pid}.tmp`
  try {
    const fd = openSync(tmp, 'w')
    try {
      writeFileSync(fd, data)
      // Without it the rename can reach the disk before the data, and a crash leaves an empty file.
      fsyncSync(fd)
    } finally {
      closeSync(fd)
    }
    renameSync(tmp, path)
  } catch (err) {
    try {
      rmSync(tmp, { force: true })
    } catch {}
    throw err
  }
  syncDirectory(dirname(path))
}

function syncDirectory (dir: string): void {
  let fd: number
  try {
    fd = openSync(dir, 'r')
  } catch {
    // Windows cannot open a directory; its renames need no directory sync.
    return
  }
  try {
    fsyncSync(fd)
  } catch {
    // Some file systems refuse fsync on a directory (EINVAL); the file itself is already on disk.
  } finally {
    closeSync(fd)
  }
}
