import { createSocket } from 'node:dgram'
import type { RemoteInfo } from 'node:dgram'
import { isIPv4, isIPv6 } from 'node:net'
import dnsPacket from 'dns-packet'
import type { DecodedPacket, StringAnswer } from 'dns-packet'
import { bump } from './server-stats.js'

/** The records one name resolves to. */
export interface DnsRecord {
  A?: string[]
  AAAA?: string[]
  /** Seconds, for every record of the name (default 60). */
  ttl?: number
}

/** A running test DNS server. */
export interface DnsServer {
  /** `127.0.0.1:port`, ready for `Resolver#setServers`. */
  address: string
  port: number
  /** Well-formed queries answered so far. */
  readonly queries: number
  /** Queries by lower-cased name (bounded like every test counter). */
  queriesByName: Map<string, number>
  /** Replaces a name's records; `undefined` removes the name (NXDOMAIN from then on). */
  setRecords(name: string, record: DnsRecord | undefined): void
  /** Stops the server; idempotent. */
  close(): Promise<void>
}

const DEFAULT_TTL = 60

function normalizeName (name: string): string {
  return name.toLowerCase().replace(/\.$/, '')
}

function validate (name: string, record: DnsRecord): DnsRecord {
  for (const ip of record.A ?? []) if (!isIPv4(ip)) throw new Error(`${name}: ${JSON.stringify(ip)} is not an IPv4 address`)
  for (const ip of record.AAAA ?? []) {
    if (!isIPv6(ip) || ip.includes('%')) throw new Error(`${name}: ${JSON.stringify(ip)} is not an IPv6 address`)
  }
  const ttl = record.ttl ?? DEFAULT_TTL
  if (!Number.isInteger(ttl) || ttl < 0 || ttl > 0x7fffffff) throw new Error(`${name}: ttl must be a 31-bit integer`)
  return { ...record }
}

function answersFor (name: string, record: DnsRecord, type: string): StringAnswer[] {
  const ttl = record.ttl ?? DEFAULT_TTL
  const of = (recordType: 'A' | 'AAAA'): StringAnswer[] => (record[recordType] ?? []).map((data) => ({ type: recordType, name, ttl, data }))
  return [...(type === 'A' || type === 'ANY' ? of('A') : []), ...(type === 'AAAA' || type === 'ANY' ? of('AAAA') : [])]
}

// RFC 1035 §4.2.1: a plain UDP reply stops at 512 bytes; a larger one goes out empty with TC set.
const MAX_UDP_RESPONSE = 512
const RCODE = { NOERROR: 0, FORMERR: 1, NXDOMAIN: 3, NOTIMP: 4, REFUSED: 5 } as const

/** The authoritative reply to `query`: its id, opcode, RD bit and question echoed, then `answers`. */
function encodeReply (query: DecodedPacket, rcode: number, answers: StringAnswer[] = []): Buffer {
  // dns-packet keeps the opcode and RCODE fields inside `flags` (bits 11-14 and 0-3).
  const opcode = (query.flags ?? 0) & 0x7800
  const flags = dnsPacket.AUTHORITATIVE_ANSWER | opcode | (query.flag_rd ? dnsPacket.RECURSION_DESIRED : 0) | rcode
  const reply = { id: query.id ?? 0, type: 'response' as const, flags, questions: query.questions ?? [], answers }
  const full = dnsPacket.encode(reply)
  return full.length <= MAX_UDP_RESPONSE ? full : dnsPacket.encode({ ...reply, flags: flags | dnsPacket.TRUNCATED_RESPONSE, answers: [] })
}

/**
 * Starts a tiny authoritative DNS server over UDP on 127.0.0.1, port 0. It answers A and AAAA
 * from `records`, NXDOMAIN for unknown names, NOERROR with no answers for a known name lacking
 * the asked type, and silently drops whatever it cannot parse.
 */
export async function startDnsServer (records: Record<string, DnsRecord> = {}): Promise<DnsServer> {
  const zone = new Map<string, DnsRecord>()
  for (const [name, record] of Object.entries(records)) zone.set(normalizeName(name), validate(name, record))
  const queriesByName = new Map<string, number>()
  let queries = 0

  const reply = (query: DecodedPacket): Buffer => {
    const question = query.questions?.[0]
    if (question === undefined || query.questions?.length !== 1) return encodeReply(query, RCODE.FORMERR)
    const name = normalizeName(question.name)
    queries++
    bump(queriesByName, name)
    if (((query.flags ?? 0) & 0x7800) !== 0) return encodeReply(query, RCODE.NOTIMP)
    if (question.class !== 'IN') return encodeReply(query, RCODE.REFUSED)
    const record = zone.get(name)
    if (record === undefined) return encodeReply(query, RCODE.NXDOMAIN)
    return encodeReply(query, RCODE.NOERROR, answersFor(question.name, record, question.type))
  }

  const socket = createSocket('udp4')
  socket.on('message', (msg: Buffer, remote: RemoteInfo) => {
    let answer: Buffer
    try {
      const query = dnsPacket.decode(msg)
      // A response is never answered, so two servers cannot ping-pong.
      if (query.type !== 'query') return
      answer = reply(query)
    } catch {
      // Whatever cannot be parsed (or echoed) is dropped, as a real server does.
      return
    }
    socket.send(answer, remote.port, remote.address)
  })
  // ICMP port-unreachable from a vanished client surfaces here; a test server shrugs it off.
  socket.on('error', () => {})
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject)
    socket.bind(0, '127.0.0.1', () => {
      socket.off('error', reject)
      resolve()
    })
  })
  const port = socket.address().port
  let closing: Promise<void> | undefined

  return {
    address: `127.0.0.1:${port}`,
    port,
    get queries () { return queries },
    queriesByName,
    setRecords (name, record) {
      if (record === undefined) zone.delete(normalizeName(name))
      else zone.set(normalizeName(name), validate(name, record))
    },
    close () {
      closing ??= new Promise((resolve) => socket.close(() => resolve()))
      return closing
    }
  }
}
