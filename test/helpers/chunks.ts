/** Cuts `bytes` at the given offsets (taken modulo its length + 1): the same content in arbitrary chunks. */
export function splitAt (bytes: Buffer, cuts: number[]): Buffer[] {
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b)
  const chunks: Buffer[] = []
  let prev = 0
  for (const p of [...points, bytes.length]) {
    chunks.push(bytes.subarray(prev, p))
    prev = p
  }
  return chunks
}
