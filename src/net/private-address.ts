import { BlockList, isIP } from 'node:net'
import { ipv6Words } from './ip-bytes.js'

// Addresses a push sender must never connect to unless the user opts in: a subscription line is
// attacker-controlled input, so its endpoint (or the name it resolves to) could point at the
// sender's own network. The lists follow the IANA special-purpose registries, keeping only the
// blocks that are not globally reachable or are reserved for documentation.
const V4 = new BlockList()
for (const [net, prefix] of [
  ['0.0.0.0', 8], // "this network"
  ['10.0.0.0', 8],
  ['100.64.0.0', 10], // carrier-grade NAT
  ['127.0.0.0', 8],
  ['169.254.0.0', 16], // link-local, where cloud metadata services live
  ['172.16.0.0', 12],
  ['192.0.0.0', 24], // IETF protocol assignments
  ['192.0.2.0', 24], // TEST-NET-1
  ['192.168.0.0', 16],
  ['198.18.0.0', 15], // benchmarking
  ['198.51.100.0', 24], // TEST-NET-2
  ['203.0.113.0', 24], // TEST-NET-3
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4] // reserved, includes the limited broadcast 255.255.255.255
] as const) V4.addSubnet(net, prefix, 'ipv4')

// IPv4-mapped (::ffff:0:0/96), NAT64 (64:ff9b::/96) and 6to4 (2002::/16) addresses are not listed:
// they carry an IPv4 address that is checked against the IPv4 rules instead.
const V6 = new BlockList()
for (const [net, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['::', 96], // deprecated IPv4-compatible addresses; never routable
  ['64:ff9b:1::', 48], // local-use NAT64 (RFC 8215)
  ['100::', 64], // discard-only
  ['2001:db8::', 32], // documentation
  ['fc00::', 7], // unique local
  ['fe80::', 10], // link-local
  ['fec0::', 10], // deprecated site-local
  ['ff00::', 8] // multicast
] as const) V6.addSubnet(net, prefix, 'ipv6')

/**
 * True when `ip` is a loopback, private, link-local, CGNAT, multicast, reserved or documentation
 * address (IPv4 or IPv6, with IPv4 embedded in mapped, NAT64 and 6to4 addresses checked as IPv4).
 * Anything that is not an IP address also returns true, so a caller can never fail open.
 */
export function isPrivateAddress (ip: string): boolean {
  let addr = ip.startsWith('[') && ip.endsWith(']') ? ip.slice(1, -1) : ip
  const zone = addr.indexOf('%')
  if (zone !== -1) addr = addr.slice(0, zone)
  const family = isIP(addr)
  if (family === 4) return V4.check(addr, 'ipv4')
  if (family !== 6) return true
  const w = ipv6Words(addr)
  const embedded = embeddedIPv4(w)
  if (embedded !== undefined) return V4.check(embedded, 'ipv4')
  return V6.check(addr, 'ipv6')
}

function embeddedIPv4 (w: number[]): string | undefined {
  const g = (i: number): number => w[i] ?? 0
  const quad = (hi: number, lo: number): string => `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`
  if (g(0) === 0 && g(1) === 0 && g(2) === 0 && g(3) === 0 && g(4) === 0 && g(5) === 0xffff) return quad(g(6), g(7))
  if (g(0) === 0x64 && g(1) === 0xff9b && g(2) === 0 && g(3) === 0 && g(4) === 0 && g(5) === 0) return quad(g(6), g(7))
  if (g(0) === 0x2002) return quad(g(1), g(2))
  return undefined
}
