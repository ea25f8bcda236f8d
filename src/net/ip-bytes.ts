import { isIPv4, isIPv6 } from 'node:net'

function ipv4Bytes (ip: string): number[] {
  return ip.split('.').map(Number)
}

/**
 * Raw network-order bytes of an IP literal: 4 for IPv4, 16 for IPv6 (embedded IPv4 tails included).
 * Returns undefined for anything `net.isIP` rejects and for zone ids (`fe80::1%eth0`), which have
 * no place in a certificate or a DNS answer.
 */
export function ipToBytes (ip: string): Uint8Array | undefined {
  if (isIPv4(ip)) return Uint8Array.from(ipv4Bytes(ip))
  if (!isIPv6(ip) || ip.includes('%')) return undefined
  const out = new Uint8Array(16)
  ipv6Words(ip).forEach((g, i) => {
    out[i * 2] = g >> 8
    out[i * 2 + 1] = g & 0xff
  })
  return out
}

/** Expands a valid IPv6 address (as accepted by `net.isIP`, without zone) into its eight 16-bit groups. */
export function ipv6Words (addr: string): number[] {
  let text = addr
  const tail: number[] = []
  const lastColon = text.lastIndexOf(':')
  if (text.indexOf('.', lastColon) !== -1) {
    // A trailing dotted quad stands for the last two groups.
    const [a = 0, b = 0, c = 0, d = 0] = ipv4Bytes(text.slice(lastColon + 1))
    tail.push((a << 8) | b, (c << 8) | d)
    text = text.slice(0, lastColon + 1)
    if (!text.endsWith('::')) text = text.slice(0, -1)
  }
  const parse = (s: string): number[] => s === '' ? [] : s.split(':').map((g) => parseInt(g, 16))
  const gap = text.indexOf('::')
  const head = parse(gap === -1 ? text : text.slice(0, gap))
  const rest = gap === -1 ? [] : parse(text.slice(gap + 2))
  const fill = 8 - head.length - rest.length - tail.length
  return [...head, ...new Array<number>(Math.max(fill, 0)).fill(0), ...rest, ...tail]
}
