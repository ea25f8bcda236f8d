import { isIPv4, isIPv6 } from 'node:net'

function ipv4Bytes (ip: string): number[] {
  return ip.split('.').map(Number)
}

function hexGroups (part: string): number[] {
  return part === '' ? [] : part.split(':').map((g) => parseInt(g, 16))
}

/**
 * Raw network-order bytes of an IP literal: 4 for IPv4, 16 for IPv6 (embedded IPv4 tails included).
 * Returns undefined for anything `net.isIP` rejects and for zone ids (`fe80::1%eth0`), which have
 * no place in a certificate or a DNS answer.
 */
export function ipToBytes (ip: string): Uint8Array | undefined {
  if (isIPv4(ip)) return Uint8Array.from(ipv4Bytes(ip))
  if (!isIPv6(ip) || ip.includes('%')) return undefined
  // isIPv6 has validated the syntax, so this only expands it. An embedded IPv4 tail
  // (::ffff:1.2.3.4) is rewritten as two hex groups first so one code path handles both.
  let text = ip
  const lastColon = text.lastIndexOf(':')
  if (text.includes('.', lastColon)) {
    const [a = 0, b = 0, c = 0, d = 0] = ipv4Bytes(text.slice(lastColon + 1))
    text = `${text.slice(0, lastColon + 1)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`
  }
  const gap = text.indexOf('::')
  const head = hexGroups(gap === -1 ? text : text.slice(0, gap))
  const rest = gap === -1 ? [] : hexGroups(text.slice(gap + 2))
  const groups = [...head, ...new Array<number>(8 - head.length - rest.length).fill(0), ...rest]
  const out = new Uint8Array(16)
  groups.forEach((g, i) => {
    out[i * 2] = g >> 8
    out[i * 2 + 1] = g & 0xff
  })
  return out
}
