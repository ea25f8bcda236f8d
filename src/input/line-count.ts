// The number of lines of an input file, for the live progress of a send (% done and ETA, #14). Counted
// in the background while the send runs: newline bytes in 256 KiB chunks, no decoding, no line objects.
import { createReadStream } from 'node:fs'

/** Physical lines of the file at `path` (a last line without a newline counts too). */
export async function countLines (path: string): Promise<number> {
  let lines = 0
  let last = 0x0a
  let bytes = 0
  for await (const chunk of createReadStream(path, { highWaterMark: 256 * 1024 }) as AsyncIterable<Buffer>) {
    bytes += chunk.length
    for (let i = chunk.indexOf(0x0a); i !== -1; i = chunk.indexOf(0x0a, i + 1)) lines++
    last = chunk[chunk.length - 1] ?? last
  }
  return bytes > 0 && last !== 0x0a ? lines + 1 : lines
}
