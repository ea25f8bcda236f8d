import { isIP } from 'node:net'
import type { LookupFunction } from 'node:net'

/**
 * A `lookup` for net/tls/undici `connect` options that resolves every name to `ip`, so a client
 * can keep `https://localhost:port` (SNI and certificate check) while choosing the server address.
 * Node 20 asks with `all: true` when autoSelectFamily is on, hence both callback shapes.
 */
export function pinLookup (ip: string): LookupFunction {
  const family = isIP(ip)
  if (family === 0) throw new Error(`pinLookup needs an IP literal, got ${JSON.stringify(ip)}`)
  return ((_hostname: string, options: { all?: boolean }, callback: (...args: unknown[]) => void) => {
    if (options.all === true) callback(null, [{ address: ip, family }])
    else callback(null, ip, family)
  }) as unknown as LookupFunction
}
