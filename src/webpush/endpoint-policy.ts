import { isIP } from 'node:net'
import { InvalidOptionError } from '../errors.js'
import { isPrivateAddress } from '../net/private-address.js'

/** Which endpoints may be sent to: host patterns the user added (`--allow-host`) and whether private addresses are allowed. */
export interface EndpointPolicy {
  allowHosts: string[]
  allowPrivate: boolean
}

/** Push services every browser uses; endpoints on these hosts are accepted on https port 443 without any option. */
export const DEFAULT_PUSH_HOSTS: readonly string[] = Object.freeze([
  'fcm.googleapis.com',
  '*.googleapis.com',
  'updates.push.services.mozilla.com',
  '*.push.services.mozilla.com',
  '*.push.apple.com',
  '*.notify.windows.com'
])

interface HostRule {
  kind: 'exact' | 'suffix' | 'any'
  /** Canonical host (as `URL.hostname` gives it, without a trailing dot); for `suffix`, the part after `*.`. */
  host: string
  /** Required port, or undefined for any port. */
  port: number | undefined
  /** A user pattern naming a host (not `*`): such hosts may use plain http, for local and test push services. */
  allowsHttp: boolean
}

/** An {@link EndpointPolicy} whose patterns have been validated and parsed; build it once with {@link compileEndpointPolicy}. */
export class CompiledPolicy implements EndpointPolicy {
  readonly allowHosts: string[]
  readonly allowPrivate: boolean
  /** @internal */
  readonly rules: readonly HostRule[]

  /** @internal use {@link compileEndpointPolicy} */
  constructor (allowHosts: string[], allowPrivate: boolean, rules: HostRule[]) {
    this.allowHosts = allowHosts
    this.allowPrivate = allowPrivate
    this.rules = rules
  }
}

/** Validates `--allow-host` patterns and builds the policy {@link checkEndpoint} applies; throws {@link InvalidOptionError}. */
export function compileEndpointPolicy (opts: { allowHosts?: string[] | undefined, allowPrivate?: boolean | undefined }): CompiledPolicy {
  const user = opts.allowHosts ?? []
  const parsed = user.map((p) => parsePattern(p, true))
  // Named patterns first: the first matching rule decides whether http is allowed, and `*` must not shadow them.
  const rules = [...parsed.filter((r) => r.kind !== 'any'), ...parsed.filter((r) => r.kind === 'any')]
  // Browsers' push services only ever hand out https endpoints on the default port.
  for (const p of DEFAULT_PUSH_HOSTS) rules.push({ ...parsePattern(p, false), port: 443 })
  return new CompiledPolicy([...user], opts.allowPrivate ?? false, rules)
}

/** Result of {@link checkEndpoint}; the message names the host but never the full (capability) URL. */
export type EndpointCheck =
  | { ok: true }
  | { ok: false, reason: 'endpoint-not-https' | 'host-not-allowed' | 'bad-endpoint', message: string }

/** Checks a parsed endpoint URL against the policy: no credentials, an allowed host, https unless a user pattern names the host. */
export function checkEndpoint (url: URL, policy: CompiledPolicy): EndpointCheck {
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    return { ok: false, reason: 'endpoint-not-https', message: `endpoint scheme is ${url.protocol.slice(0, 20)}, expected https:` }
  }
  if (url.username !== '' || url.password !== '') {
    return { ok: false, reason: 'bad-endpoint', message: `endpoint for host ${shortHost(url)} contains user credentials` }
  }
  const host = url.hostname.endsWith('.') ? url.hostname.slice(0, -1) : url.hostname
  if (host === '') return { ok: false, reason: 'bad-endpoint', message: 'endpoint has no host' }
  const port = url.port !== '' ? Number(url.port) : url.protocol === 'https:' ? 443 : 80
  const ip = host.startsWith('[') ? host.slice(1, -1) : isIP(host) !== 0 ? host : undefined
  const rule = findRule(host, ip !== undefined, port, policy.rules)
  if (rule === undefined) {
    // http://fcm.googleapis.com/... is a scheme problem, not a host problem: say so.
    if (url.protocol === 'http:' && findRule(host, ip !== undefined, url.port !== '' ? port : 443, policy.rules) !== undefined) {
      return { ok: false, reason: 'endpoint-not-https', message: `endpoint for host ${shortHost(url)} uses http:, expected https:` }
    }
    return { ok: false, reason: 'host-not-allowed', message: `host ${hostPort(url)} is not an allowed push service (see --allow-host)` }
  }
  if (url.protocol === 'http:' && !rule.allowsHttp) {
    return { ok: false, reason: 'endpoint-not-https', message: `endpoint for host ${shortHost(url)} uses http:, only hosts named with --allow-host may` }
  }
  // Names are checked on their resolved addresses at connect time; a literal can be refused now.
  if (ip !== undefined && !policy.allowPrivate && isPrivateAddress(ip)) {
    return { ok: false, reason: 'host-not-allowed', message: `host ${shortHost(url)} is a private or reserved address and private addresses are not allowed` }
  }
  return { ok: true }
}

function findRule (host: string, isIpLiteral: boolean, port: number, rules: readonly HostRule[]): HostRule | undefined {
  for (const r of rules) {
    if (r.port !== undefined && r.port !== port) continue
    if (r.kind === 'exact' ? r.host === host : !isIpLiteral && (r.kind === 'any' || isSubdomain(host, r.host))) return r
  }
  return undefined
}

function isSubdomain (host: string, suffix: string): boolean {
  return host.length > suffix.length + 1 && host.endsWith(suffix) && host.charCodeAt(host.length - suffix.length - 1) === 0x2e
}

function hostPort (url: URL): string {
  return url.port === '' ? shortHost(url) : `${shortHost(url)}:${url.port}`
}

// URL puts no limit on host length; keep a hostile line from bloating every log record.
function shortHost (url: URL): string {
  return url.hostname.length <= 100 ? url.hostname : `${url.hostname.slice(0, 100)}...`
}

function parsePattern (raw: string, user: boolean): HostRule {
  const fail: (why: string) => never = (why) => {
    throw new InvalidOptionError(`--allow-host ${JSON.stringify(raw)} is not a valid host pattern: ${why}`)
  }
  const p = raw.trim().toLowerCase()
  if (p === '') fail('it is empty')
  if (p === '*') return { kind: 'any', host: '', port: undefined, allowsHttp: false }
  if (/[/@?#\\\s]/.test(p)) fail('give a host name, optionally with :port, not a URL')
  let hostPart = p
  let port: number | undefined
  const bare6 = isIP(p) === 6
  const portMatch = bare6 ? null : /^(.*):(\d+)$/.exec(p)
  if (portMatch !== null) {
    hostPart = portMatch[1] ?? ''
    port = Number(portMatch[2])
    if (!Number.isInteger(port) || port < 1 || port > 65535) fail('the port must be between 1 and 65535')
  }
  const wildcard = hostPart.startsWith('*.')
  if (wildcard) hostPart = hostPart.slice(2)
  if (hostPart.includes('*')) fail('a wildcard is only allowed as a leading "*." or as "*" alone')
  if (bare6) hostPart = `[${hostPart}]`
  else if (hostPart.includes(':') && !(hostPart.startsWith('[') && hostPart.endsWith(']'))) fail('write an IPv6 address in brackets, as in [::1]:8443')
  let host: string
  try {
    host = new URL(`https://${hostPart}/`).hostname
  } catch {
    return fail('it is not a valid host name')
  }
  if (host.endsWith('.')) host = host.slice(0, -1)
  if (host === '') fail('it is not a valid host name')
  const isIpHost = host.startsWith('[') || isIP(host) !== 0
  if (wildcard && isIpHost) fail('"*." must be followed by a domain name, not an IP address')
  // URL accepts empty labels and punctuation that DNS names never contain; a typo should not slip through.
  if (!isIpHost && !/^[a-z0-9_-]+(?:\.[a-z0-9_-]+)*$/.test(host)) fail('it is not a valid host name')
  return { kind: wildcard ? 'suffix' : 'exact', host, port, allowsHttp: user }
}
