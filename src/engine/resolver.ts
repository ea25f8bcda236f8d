// Address resolution for the connection pool. The engine always connects to an IP it chose itself (keeping
// the original name for SNI and :authority), so forced DNS, --resolve pins and the private-address policy
// all apply in one place and DNS rebinding cannot slip past the policy between check and connect.
import { lookup as systemLookup, Resolver } from 'node:dns/promises'
import { isIP } from 'node:net'
import { NotifySenderError } from '../errors.js'
import type { ResolveEntry } from './options.js'

/** Resolution settings. */
export interface ResolverOptions {
  forceDns: boolean
  resolve: readonly ResolveEntry[]
  dnsServers: readonly string[]
  /** TTLs are clamped to this range so a 0-TTL record cannot make every connection re-resolve. */
  minTtlMs?: number
  maxTtlMs?: number
  /** Returns a reason when an address must not be connected to (SSRF policy), or null when it is fine. */
  addressPolicy?: ((address: string) => string | null) | undefined
}

interface Entry {
  addresses: string[]
  expiresAt: number
  refreshing: Promise<string[]> | null
}

const DEFAULT_MIN_TTL_MS = 1000
const DEFAULT_MAX_TTL_MS = 300_000
// Without force-dns we mimic a normal client: one address, re-looked-up at this pace.
const LOOKUP_TTL_MS = 60_000

/** Resolves host names to the addresses connections are pinned to, honouring TTLs. */
export class AddressResolver {
  readonly #opts: ResolverOptions
  readonly #cache = new Map<string, Entry>()
  readonly #resolver: Resolver | null

  constructor (opts: ResolverOptions) {
    this.#opts = opts
    if (opts.dnsServers.length > 0) {
      this.#resolver = new Resolver({ timeout: 2000, tries: 2 })
      this.#resolver.setServers([...opts.dnsServers])
    } else {
      this.#resolver = opts.forceDns ? new Resolver({ timeout: 2000, tries: 2 }) : null
    }
  }

  /** The current addresses for host:port, resolving (or refreshing after TTL expiry) when needed. */
  async addresses (host: string, port: number): Promise<string[]> {
    const key = `${host}:${port}`
    const entry = this.#cache.get(key)
    const now = Date.now()
    if (entry !== undefined) {
      if (entry.expiresAt > now) return entry.addresses
      // Stale-while-revalidate: keep connecting to the known addresses while the new answer is fetched.
      if (entry.refreshing === null) {
        entry.refreshing = this.#resolve(host, port).then((r) => {
          entry.addresses = r.addresses
          entry.expiresAt = Date.now() + r.ttlMs
          return r.addresses
        }, () => {
          entry.expiresAt = Date.now() + this.#minTtl
          return entry.addresses
        }).finally(() => { entry.refreshing = null })
      }
      return entry.addresses
    }
    const r = await this.#resolve(host, port)
    this.#cache.set(key, { addresses: r.addresses, expiresAt: Date.now() + r.ttlMs, refreshing: null })
    return r.addresses
  }

  get #minTtl (): number {
    return this.#opts.minTtlMs ?? DEFAULT_MIN_TTL_MS
  }

  async #resolve (host: string, port: number): Promise<{ addresses: string[], ttlMs: number }> {
    const bare = host.startsWith('[') ? host.slice(1, -1) : host
    const pinned = this.#opts.resolve.find((r) => r.host === bare.toLowerCase() && r.port === port)
    let addresses: string[]
    let ttlMs = Infinity
    if (pinned !== undefined) {
      addresses = [...pinned.addresses]
    } else if (isIP(bare) !== 0) {
      addresses = [bare]
    } else if (this.#opts.forceDns) {
      const r = await this.#resolveAll(bare)
      addresses = r.addresses
      ttlMs = r.ttlMs
    } else {
      addresses = [await this.#resolveOne(bare)]
      ttlMs = LOOKUP_TTL_MS
    }
    return { addresses: this.#applyPolicy(host, addresses), ttlMs: Math.min(Math.max(ttlMs, this.#minTtl), this.#opts.maxTtlMs ?? DEFAULT_MAX_TTL_MS) }
  }

  async #resolveAll (host: string): Promise<{ addresses: string[], ttlMs: number }> {
    const resolver = this.#resolver as Resolver
    const [v4, v6] = await Promise.allSettled([resolver.resolve4(host, { ttl: true }), resolver.resolve6(host, { ttl: true })])
    const records = [
      ...(v4.status === 'fulfilled' ? v4.value : []),
      ...(v6.status === 'fulfilled' ? v6.value : [])
    ]
    if (records.length > 0) {
      return { addresses: records.map((r) => r.address), ttlMs: Math.min(...records.map((r) => r.ttl)) * 1000 }
    }
    // Names such as localhost live in /etc/hosts, not in DNS: fall back to the system resolver for all of them.
    try {
      const all = await systemLookup(host, { all: true })
      if (all.length > 0) return { addresses: all.map((a) => a.address), ttlMs: LOOKUP_TTL_MS }
    } catch {}
    const reason = v4.status === 'rejected' ? errorCode(v4.reason) : 'no records'
    throw new NotifySenderError(`cannot resolve ${host}: ${reason}`, 'NS_ERR_DNS')
  }

  async #resolveOne (host: string): Promise<string> {
    try {
      if (this.#resolver !== null) {
        const [v4] = await this.#resolver.resolve4(host).catch(async () => await (this.#resolver as Resolver).resolve6(host))
        if (v4 !== undefined) return v4
      }
      return (await systemLookup(host)).address
    } catch (err) {
      throw new NotifySenderError(`cannot resolve ${host}: ${errorCode(err)}`, 'NS_ERR_DNS', { cause: err })
    }
  }

  #applyPolicy (host: string, addresses: string[]): string[] {
    const policy = this.#opts.addressPolicy
    if (policy === undefined) return addresses
    const allowed = addresses.filter((a) => policy(a) === null)
    if (allowed.length === 0) {
      const reason = policy(addresses[0] ?? '') ?? 'refused'
      throw new NotifySenderError(`refusing to connect to ${host}: ${reason} (use --allow-private for a local push service)`, 'NS_ERR_PRIVATE_ADDRESS')
    }
    return allowed
  }
}

function errorCode (err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code
  return typeof code === 'string' ? code : String(err)
}
