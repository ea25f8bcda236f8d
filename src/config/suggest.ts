// Near-miss suggestions by edit distance (#11), for command names and configuration-file keys.
import { closestMatch } from 'leven'

/** The candidate closest to `word` (case-insensitive), when it is close enough to be a typo; else undefined. */
export function closest (word: string, candidates: readonly string[]): string | undefined {
  const lower = word.toLowerCase()
  // Two edits (a swapped pair is two), one more per three characters past nine, one for tiny words:
  // `sedn` → send, `lod` → load, `maxErorRate` → maxErrorRate, but `foo` suggests nothing.
  const maxDistance = lower.length <= 2 ? 1 : Math.min(3, Math.max(2, Math.floor(lower.length / 3)))
  const byLower = new Map(candidates.map((c) => [c.toLowerCase(), c]))
  const hit = closestMatch(lower, [...byLower.keys()], { maxDistance })
  return hit === undefined ? undefined : byLower.get(hit)
}

/** ` (did you mean "x"?)` or '' — appended to error messages. */
export function didYouMean (word: string, candidates: readonly string[], quote = true): string {
  const hit = closest(word, candidates)
  if (hit === undefined) return ''
  return ` (did you mean ${quote ? JSON.stringify(hit) : hit}?)`
}
