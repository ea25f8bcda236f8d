// Turns the rows of a `--query` into the NDJSON lines the send pipeline already understands, one line per
// row, so the feeder, the workers, the outcome files and resume treat row N exactly like line N of a file.
// A row that does not hold a usable subscription still becomes one line, which the worker then reports
// as invalid with the usual reason (missing-endpoint, missing-keys, bad-json, ...): no row is ever dropped.
import { NotifySenderError } from '../errors.js'

/** How the columns of a result map to a subscription; `meta` are the other columns, copied as metadata. */
export type RowShape =
  | { kind: 'subscription', meta: readonly string[] }
  | { kind: 'columns', meta: readonly string[] }

const KEY_COLUMNS = ['endpoint', 'p256dh', 'auth'] as const
// Not valid JSON, so the worker reports the row as `bad-json`; no part of the column's value is echoed.
const NOT_JSON = '!subscription column is not JSON'

/**
 * Decides the mapping from the result's column names: a `subscription` column (json, jsonb or text with a
 * PushSubscription), or the columns endpoint, p256dh and auth. Checked once, before the first row is sent.
 * @throws NS_ERR_INPUT when the query returns neither.
 */
export function rowShape (columns: readonly string[]): RowShape {
  if (columns.includes('subscription')) return { kind: 'subscription', meta: columns.filter((c) => c !== 'subscription') }
  const missing = KEY_COLUMNS.filter((c) => !columns.includes(c))
  if (missing.length === 0) return { kind: 'columns', meta: columns.filter((c) => !(KEY_COLUMNS as readonly string[]).includes(c)) }
  const got = columns.length === 0 ? 'no columns' : `columns ${columns.join(', ')}`
  throw new NotifySenderError(`--query must return a column named subscription, or columns named endpoint, p256dh and auth (missing ${missing.join(', ')}); it returned ${got}`, 'NS_ERR_INPUT')
}

/** One row as one NDJSON line (no newline in it): `{"endpoint":…,"keys":{"p256dh":…,"auth":…},…metadata}`. */
export function rowToLine (row: Readonly<Record<string, unknown>>, shape: RowShape): string {
  if (shape.kind === 'columns') {
    const sub = record()
    sub.endpoint = text(row.endpoint)
    sub.keys = { p256dh: key(row.p256dh), auth: key(row.auth) }
    // A column named "keys" cannot replace the keys built from p256dh and auth.
    for (const c of shape.meta) if (!Object.hasOwn(sub, c)) sub[c] = row[c]
    return stringify(sub)
  }
  let value = row.subscription
  if (Buffer.isBuffer(value)) value = value.toString('utf8')
  if (typeof value === 'string') {
    try {
      value = JSON.parse(value) as unknown
    } catch {
      return NOT_JSON
    }
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value) || shape.meta.length === 0) {
    // null, a number or an array: the worker reports it as not-an-object.
    return stringify(value)
  }
  const sub = Object.assign(record(), value)
  // The subscription's own fields win over a column of the same name.
  for (const c of shape.meta) if (!Object.hasOwn(sub, c)) sub[c] = row[c]
  return stringify(sub)
}

// Null-prototype, so a column named "__proto__" is stored as a plain field like any other.
function record (): Record<string, unknown> {
  return Object.create(null) as Record<string, unknown>
}

function text (v: unknown): unknown {
  return Buffer.isBuffer(v) ? v.toString('utf8') : v
}

// A bytea key column holds the raw bytes; the line carries them base64url-encoded, as browsers do.
function key (v: unknown): unknown {
  return Buffer.isBuffer(v) ? v.toString('base64url') : v
}

function stringify (v: unknown): string {
  try {
    // undefined (a missing column) is not JSON; null makes the worker say what is missing.
    return JSON.stringify(v) ?? 'null'
  } catch {
    // Only custom type parsers can produce values JSON cannot hold (BigInt, cycles).
    return NOT_JSON
  }
}
