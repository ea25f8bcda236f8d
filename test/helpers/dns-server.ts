import { createSocket } from 'node:dgram'
import type { RemoteInfo } from 'node:dgram'
import { isIPv4, isIPv6 } from 'node:net'
import { ipToBytes } from '../../src/net/ip-bytes.js'
import { DNS_CLASS_IN, DNS_TYPE, encodeResponse, parseQuery, RCODE } from './dns-message.js'
import type { DnsAnswer, DnsQuery } from './dns-message.js'
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

function answersFor (record: DnsRecord, type: number): DnsAnswer[] {
  const ttl = record.ttl ?? DEFAULT_TTL
  const out: DnsAnswer[] = []
  const add = (recordType: number, ips: readonly string[] | undefined): void => {
    for (const ip of ips ?? []) {
      const data = ipToBytes(ip)
      if (data !== undefined) out.push({ type: recordType, ttl, data })
    }
  }
  if (type === DNS_TYPE.A || type === DNS_TYPE.ANY) add(DNS_TYPE.A, record.A)
  if (type === DNS_TYPE.AAAA || type === DNS_TYPE.ANY) add(DNS_TYPE.AAAA, record.AAAA)
  return out
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

  const reply = (query: DnsQuery): Buffer => {
    if (query.questionCount !== 1) return encodeResponse(query, RCODE.FORMERR)
    queries++
    bump(queriesByName, query.name)
    if (query.opcode !== 0) return encodeResponse(query, RCODE.NOTIMP)
    if (query.klass !== DNS_CLASS_IN) return encodeResponse(query, RCODE.REFUSED)
    const record = zone.get(query.name)
    if (record === undefined) return encodeResponse(query, RCODE.NXDOMAIN)
    return encodeResponse(query, RCODE.NOERROR, answersFor(record, query.type))
  }

  const socket = createSocket('udp4')
  socket.on('message', (msg: Buffer, remote: RemoteInfo) => {
    let query: DnsQuery | undefined
    try {
      query = parseQuery(msg)
    } catch {
      // parseQuery is bounds-checked; this only guards a bug in it from taking the test run down.
    }
    if (query !== undefined) socket.send(reply(query), remote.port, remote.address)
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
