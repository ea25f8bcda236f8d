// The slice of RFC 1035 an authoritative test server needs: parse one question, build the answer.

/** Resource record TYPE values this server knows. */
export const DNS_TYPE = { A: 1, AAAA: 28, ANY: 255 } as const
/** CLASS IN. */
export const DNS_CLASS_IN = 1
/** RCODE values this server sends. */
export const RCODE = { NOERROR: 0, FORMERR: 1, NXDOMAIN: 3, NOTIMP: 4, REFUSED: 5 } as const

const HEADER_LENGTH = 12
const MAX_NAME_LENGTH = 255
/** RFC 1035 §4.2.1: plain UDP replies stop at 512 bytes; larger ones are truncated (TC). */
export const MAX_UDP_RESPONSE = 512

/** A parsed query: header fields plus its single question. */
export interface DnsQuery {
  id: number
  opcode: number
  recursionDesired: boolean
  questionCount: number
  /** Lower-cased, dot-separated, no trailing dot; `''` is the root. */
  name: string
  type: number
  klass: number
  /** The question section exactly as received, so the reply echoes the client's letter case. */
  question: Buffer
}

/** One answer record; its owner name is always the question name (compression pointer 0xC00C). */
export interface DnsAnswer {
  type: number
  ttl: number
  data: Uint8Array
}

/**
 * Parses a query message; undefined for anything malformed, for responses (QR set, so two
 * servers never ping-pong) and for questions using compression, which a query has no use for.
 * A header with a question count other than 1 comes back with `questionCount` set and no question.
 */
export function parseQuery (msg: Buffer): DnsQuery | undefined {
  if (msg.length < HEADER_LENGTH) return undefined
  const id = msg.readUInt16BE(0)
  const flags = msg.readUInt16BE(2)
  if ((flags & 0x8000) !== 0) return undefined
  const opcode = (flags >> 11) & 0x0f
  const recursionDesired = (flags & 0x0100) !== 0
  const questionCount = msg.readUInt16BE(4)
  const base = { id, opcode, recursionDesired, questionCount }
  if (questionCount !== 1) return { ...base, name: '', type: 0, klass: 0, question: Buffer.alloc(0) }

  const labels: string[] = []
  let offset = HEADER_LENGTH
  let nameLength = 0
  for (;;) {
    const length = msg[offset]
    if (length === undefined || (length & 0xc0) !== 0) return undefined
    offset++
    nameLength += length + 1
    if (nameLength > MAX_NAME_LENGTH) return undefined
    if (length === 0) break
    if (offset + length > msg.length) return undefined
    labels.push(msg.toString('latin1', offset, offset + length).toLowerCase())
    offset += length
  }
  if (offset + 4 > msg.length) return undefined
  const type = msg.readUInt16BE(offset)
  const klass = msg.readUInt16BE(offset + 2)
  offset += 4
  return { ...base, name: labels.join('.'), type, klass, question: Buffer.from(msg.subarray(HEADER_LENGTH, offset)) }
}

/** Builds the reply to `query`: authoritative, no recursion, answers pointing at the question name. */
export function encodeResponse (query: DnsQuery, rcode: number, answers: readonly DnsAnswer[] = []): Buffer {
  const records = answers.map((a) => {
    const fixed = Buffer.alloc(12)
    fixed.writeUInt16BE(0xc00c, 0)
    fixed.writeUInt16BE(a.type, 2)
    fixed.writeUInt16BE(DNS_CLASS_IN, 4)
    fixed.writeUInt32BE(a.ttl, 6)
    fixed.writeUInt16BE(a.data.length, 10)
    return Buffer.concat([fixed, a.data])
  })
  let truncated = false
  let body = Buffer.concat(records)
  if (HEADER_LENGTH + query.question.length + body.length > MAX_UDP_RESPONSE) {
    truncated = true
    body = Buffer.alloc(0)
  }
  const header = Buffer.alloc(HEADER_LENGTH)
  header.writeUInt16BE(query.id, 0)
  const flags = 0x8000 | (query.opcode << 11) | 0x0400 | (truncated ? 0x0200 : 0) |
    (query.recursionDesired ? 0x0100 : 0) | (rcode & 0x0f)
  header.writeUInt16BE(flags, 2)
  header.writeUInt16BE(query.question.length > 0 ? 1 : 0, 4)
  header.writeUInt16BE(truncated ? 0 : records.length, 6)
  return Buffer.concat([header, query.question, body])
}

/** Encodes a query the way a stub resolver would; for tests that talk to the server directly. */
export function encodeQuery (id: number, name: string, type: number): Buffer {
  const labels = name.split('.').filter((l) => l.length > 0).map((l) => {
    const bytes = Buffer.from(l, 'latin1')
    return Buffer.concat([Buffer.from([bytes.length]), bytes])
  })
  const header = Buffer.alloc(HEADER_LENGTH)
  header.writeUInt16BE(id, 0)
  header.writeUInt16BE(0x0100, 2)
  header.writeUInt16BE(1, 4)
  const tail = Buffer.alloc(4)
  tail.writeUInt16BE(type, 0)
  tail.writeUInt16BE(DNS_CLASS_IN, 2)
  return Buffer.concat([header, ...labels, Buffer.from([0]), tail])
}
