import { isIP } from 'node:net'
import type { Server } from 'node:net'

/** Servers bound to the same port on several addresses. */
export interface ListeningServers<S extends Server> {
  servers: S[]
  port: number
}

/** Options of {@link startListeningOnAddresses}. */
export interface ListenOptions {
  /** Port for every address; 0 (default) lets the OS pick one for the first and reuses it. */
  port?: number
  /** Whole-set attempts before giving up when the picked port is taken on a later address (default 5). */
  attempts?: number
}

/** True for 127.0.0.0/8 and ::1: the only addresses test servers may bind. */
export function isLoopback (address: string): boolean {
  if (isIP(address) === 4) return address.startsWith('127.')
  return address === '::1' || address === '0:0:0:0:0:0:0:1'
}

/** `https://[::1]:8443`-style origin for an address and port. */
export function originOf (scheme: 'http' | 'https', address: string, port: number): string {
  return `${scheme}://${isIP(address) === 6 ? `[${address}]` : address}:${port}`
}

function listen (server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error): void => reject(err)
    server.once('error', onError)
    server.listen({ port, host }, () => {
      server.off('error', onError)
      const address = server.address()
      if (address === null || typeof address === 'string') reject(new Error(`no TCP address for ${host}`))
      else resolve(address.port)
    })
  })
}

/** Closes a server, resolving even when it never started listening. */
export function closeServer (server: Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()))
}

/**
 * Binds one server per loopback address, all on the same port: the first gets the OS-assigned
 * port and the others reuse it. Another process can grab that port on a later address in between,
 * so on EADDRINUSE everything is closed and the whole set retried.
 */
export async function startListeningOnAddresses<S extends Server> (
  addresses: readonly string[],
  createServer: (address: string) => S,
  options: ListenOptions = {}
): Promise<ListeningServers<S>> {
  if (addresses.length === 0) throw new Error('startListeningOnAddresses needs at least one address')
  for (const address of addresses) {
    if (!isLoopback(address)) throw new Error(`test servers only bind loopback addresses, not ${JSON.stringify(address)}`)
  }
  const attempts = options.attempts ?? 5
  for (let attempt = 1; ; attempt++) {
    const servers: S[] = []
    try {
      let port = options.port ?? 0
      for (const address of addresses) {
        const server = createServer(address)
        servers.push(server)
        port = await listen(server, port, address)
      }
      return { servers, port }
    } catch (err) {
      await Promise.all(servers.map(closeServer))
      const code = (err as { code?: unknown }).code
      if (code !== 'EADDRINUSE' || attempt >= attempts || (options.port ?? 0) !== 0) throw err
    }
  }
}
