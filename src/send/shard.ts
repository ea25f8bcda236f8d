// Sharding a send over n processes (Kubernetes Indexed Job pods, several machines): every process
// reads the same input and keeps only the lines whose endpoint hashes to its own index, so the shards
// are disjoint and their union is the whole input, with no coordinator. The hash is SHA-256, so the
// same split can be pushed down into SQL (see `shardSqlPredicate`) and each pod reads only its part.
import { createHash } from 'node:crypto'
import { InvalidOptionError } from '../errors.js'
import type { LineRecord } from '../input/lines.js'

/** One shard of n: `index` is 0-based. */
export interface Shard {
  index: number
  count: number
}

/** `--shard` as written: `i/n`, or `n` alone when the index comes from JOB_COMPLETION_INDEX. */
export interface ShardSpec {
  index: number | undefined
  count: number
}

/** Environment variable that gives `--shard` when the flag is absent. */
export const ENV_SHARD = 'NOTIFY_SENDER_SHARD'
/** The pod's index, set by a Kubernetes Indexed Job. */
export const ENV_JOB_INDEX = 'JOB_COMPLETION_INDEX'

// More shards than this is a typo, not a deployment (and keeps `index/count` readable in file names).
const MAX_SHARDS = 65_536

/** Parses `i/n` or `n` (validation only; the index of `n` is resolved by {@link resolveShard}). */
export function parseShardSpec (value: string, name: string): ShardSpec {
  const m = /^\s*(?:(\d+)\s*\/\s*)?(\d+)\s*$/.exec(value)
  if (m === null) {
    throw new InvalidOptionError(`${name} must be i/n (0-based shard i of n, e.g. 0/4) or n alone with the index in JOB_COMPLETION_INDEX, got ${JSON.stringify(value)}`)
  }
  const count = Number(m[2])
  if (count < 1 || count > MAX_SHARDS) throw new InvalidOptionError(`${name}: the shard count must be from 1 to ${MAX_SHARDS}, got ${count}`)
  const index = m[1] === undefined ? undefined : Number(m[1])
  if (index !== undefined && index >= count) {
    throw new InvalidOptionError(`${name}: shard index ${index} is out of range for ${count} shards (indices are 0-based: 0 to ${count - 1})`)
  }
  return { index, count }
}

/**
 * The shard of this run: `--shard` wins over NOTIFY_SENDER_SHARD; a count without an index takes it from
 * JOB_COMPLETION_INDEX (what a Kubernetes Indexed Job sets in each pod). Undefined means "everything".
 */
export function resolveShard (flag: ShardSpec | undefined, env: NodeJS.ProcessEnv): Shard | undefined {
  const fromEnv = env[ENV_SHARD]
  const spec = flag ?? (fromEnv === undefined || fromEnv.trim() === '' ? undefined : parseShardSpec(fromEnv, ENV_SHARD))
  const jobIndex = env[ENV_JOB_INDEX]
  const source = flag !== undefined ? '--shard' : ENV_SHARD
  if (spec === undefined) {
    // Each pod of an Indexed Job would otherwise send the whole input: n times every notification.
    if (jobIndex !== undefined && jobIndex !== '') {
      throw new InvalidOptionError(`JOB_COMPLETION_INDEX=${jobIndex} is set (a Kubernetes Indexed Job) but no shard count is given, so every pod would send the whole input; set --shard <n> or NOTIFY_SENDER_SHARD=<n> to the Job's completions (or --shard 0/1 to send everything from each pod on purpose)`)
    }
    return undefined
  }
  if (spec.index !== undefined) return { index: spec.index, count: spec.count }
  if (jobIndex === undefined || jobIndex === '') {
    throw new InvalidOptionError(`${source}=${spec.count} gives only the shard count; the index comes from JOB_COMPLETION_INDEX (set by Kubernetes Indexed Jobs), which is not set; use ${source === '--shard' ? '--shard' : 'NOTIFY_SENDER_SHARD='} i/${spec.count}`)
  }
  if (!/^\d+$/.test(jobIndex) || Number(jobIndex) >= spec.count) {
    throw new InvalidOptionError(`JOB_COMPLETION_INDEX=${JSON.stringify(jobIndex)} is not a shard index from 0 to ${spec.count - 1} (${source}=${spec.count}); the Job's completions must equal the shard count`)
  }
  return { index: Number(jobIndex), count: spec.count }
}

/** The shard (0 .. count-1) of a key: the first 4 bytes of SHA-256(key as UTF-8), big-endian, modulo count. */
export function shardOfKey (key: string, count: number): number {
  return createHash('sha256').update(key, 'utf8').digest().readUInt32BE(0) % count
}

/**
 * The key a line is sharded by: its endpoint exactly as written, so every shard computes the same key
 * from the same bytes. A line without a usable endpoint (bad JSON...) is keyed by its whole text, and a
 * line too long to keep by its line number: it still belongs to exactly one shard, which reports it invalid.
 */
export function shardKey (rec: LineRecord): string {
  if ('error' in rec) return `line:${rec.lineNo}`
  const text = rec.text
  // Cheap pre-check: only a line that mentions "endpoint" can have one.
  if (text.includes('"endpoint"')) {
    try {
      const v = JSON.parse(text) as unknown
      if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
        const endpoint = (v as Record<string, unknown>).endpoint
        if (typeof endpoint === 'string') return endpoint
      }
    } catch {}
  }
  return text
}

/** A predicate keeping the lines of `shard`. */
export function shardFilter (shard: Shard): (rec: LineRecord) => boolean {
  return (rec) => shardOfKey(shardKey(rec), shard.count) === shard.index
}

/** A PostgreSQL WHERE condition equal to {@link shardOfKey} on `column` (text), for `--query`. */
export function shardSqlPredicate (column: string, shard: Shard): string {
  return `(('x' || left(encode(sha256(convert_to(${column}, 'UTF8')), 'hex'), 8))::bit(32)::bigint % ${shard.count}) = ${shard.index}`
}

/** `i/n`, as shown in reports and logs. */
export function formatShard (shard: Shard): string {
  return `${shard.index}/${shard.count}`
}
