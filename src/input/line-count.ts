// The number of lines of an input file, for the live progress of a send (% done and ETA, #14). Counted
// in the background while the send runs: newline bytes in 256 KiB chunks, no decoding, no line objects.
// One buffer is read into again and again: a stream's fresh buffer per chunk left the whole file (3 GB for
// 10M lines) to the main thread's GCs to free, and glibc kept ~20 MB of the churn (#12 item 8).
import { open } from 'node:fs/promises'

const CHUNK = 256 * 1024

/** Physical lines of the file at `path` (a last line without a newline counts too). */
export async function countLines (path: string): Promise<number> {
  const fh = await open(path, 'r')
  try {
    const buf = Buffer.allocUnsafe(CHUNK)
    let lines = 0
    let last = 0x0a
    for (;;) {
      const { bytesRead } = await fh.read(buf, 0, CHUNK, null)
      if (bytesRead === 0) break
      const chunk = bytesRead === CHUNK ? buf : buf.subarray(0, bytesRead)
      for (let i = chunk.indexOf(0x0a); i !== -1; i = chunk.indexOf(0x0a, i + 1)) lines++
      last = chunk[bytesRead - 1] ?? last
    }
    return last !== 0x0a ? lines + 1 : lines
  } finally {
    await fh.close()
  }
}
