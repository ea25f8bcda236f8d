// Shard completeness for `merge`: the reports of a sharded send (`--shard index/count`) only add up to the
// whole send when every shard is there exactly once and all of them read the same input.
import { ReportError } from '../errors.js'
import type { Report } from './report.js'

/** Result of {@link checkShards}: the shard set (when sharded) and what is wrong with it. */
export interface ShardCheck {
  shards?: { count: number, indices: number[] }
  problems: string[]
}

/**
 * Checks the shards of the inputs. Missing, duplicate and inconsistent shards are problems (the merge
 * fails, exit 1); reports that cannot belong to one sharded send at all are refused.
 * @throws ReportError (NS_ERR_REPORT) when only some inputs are shards, or shard counts differ.
 */
export function checkShards (reports: readonly Report[], names: readonly string[]): ShardCheck {
  const name = (i: number): string => names[i] ?? `report #${i + 1}`
  const sharded = reports.flatMap((r, i) => r.shard === undefined ? [] : [i])
  if (sharded.length === 0) return { problems: [] }
  if (sharded.length < reports.length) {
    const plain = reports.flatMap((r, i) => r.shard === undefined ? [name(i)] : [])
    throw new ReportError(`cannot merge shards with unsharded reports: ${plain.join(', ')} ${plain.length === 1 ? 'has' : 'have'} no "shard" section, ${name(sharded[0] ?? 0)} has`)
  }
  const count = reports[0]?.shard?.count ?? 0
  const other = reports.findIndex((r) => r.shard?.count !== count)
  if (other !== -1) {
    throw new ReportError(`shards of different splits: ${name(0)} is one of ${count} shards, ${name(other)} one of ${String(reports[other]?.shard?.count)}`)
  }
  const problems: string[] = []
  const indices = reports.map((r) => r.shard?.index ?? -1)
  const seen = new Map<number, number[]>()
  for (const [i, index] of indices.entries()) seen.set(index, [...(seen.get(index) ?? []), i])
  for (const [index, at] of seen) {
    if (index < 0 || index >= count || !Number.isInteger(index)) problems.push(`${at.map(name).join(', ')}: shard index ${index} is outside 0..${count - 1}`)
    else if (at.length > 1) problems.push(`duplicate shard ${index} of ${count}: ${at.map(name).join(', ')} (merged twice, counts are inflated)`)
  }
  const missing: number[] = []
  for (let i = 0; i < count; i++) if (!seen.has(i)) missing.push(i)
  if (missing.length > 0) problems.push(`missing shard${missing.length === 1 ? '' : 's'} ${missing.join(', ')} of ${count}: the merged report covers only part of the input`)
  problems.push(...checkInputLines(reports, name, problems.length === 0))
  return { shards: { count, indices }, problems }
}

// Each shard reads the whole input and keeps its own lines, so read + otherShardLines is the input's line
// count in every shard; a difference means the shards were given different files (or one stopped early).
function checkInputLines (reports: readonly Report[], name: (i: number) => string, complete: boolean): string[] {
  const totals = reports.map((r) => r.outcomes === undefined || r.shard === undefined ? undefined : r.outcomes.read + r.shard.otherShardLines)
  if (totals.some((t) => t === undefined)) return []
  const distinct = new Set(totals)
  if (distinct.size > 1) {
    return [`the shards read different inputs: input lines (outcomes.read + shard.otherShardLines) are ${totals.map((t, i) => `${name(i)} ${String(t)}`).join(', ')}`]
  }
  const total = totals[0] ?? 0
  const read = reports.reduce((sum, r) => sum + (r.outcomes?.read ?? 0), 0)
  if (complete && read !== total) return [`the shards read ${read} lines together but the input has ${total}: the shards overlap or miss lines`]
  return []
}
