// The one table of command-line options. It drives commander (flags, parsing, validation), `--help`, the
// configuration file keys, the README options section and the type of parsed values, and names the
// environment variables each option reads, so none of them can disagree.
import {
  formatDuration, parseChoice, parseDuration, parseHeader, parseNonNegativeInt, parsePositiveDuration, parsePositiveInt,
  parsePositiveNumber, parseRatio, parseResolve, parseStages
} from './parse.js'
import { CONFIG_FILE_NAME, DEFAULTS } from '../defaults.js'
import { InvalidOptionError, NotifySenderError } from '../errors.js'
import { parsePostgresUrl } from '../input/postgres-url.js'
import { LOG_LEVELS } from '../log.js'
import { ENV_JOB_INDEX, ENV_SHARD, parseShardSpec } from '../send/shard.js'
import { ENV_VAPID_PRIVATE_KEY, ENV_VAPID_PUBLIC_KEY, ENV_VAPID_SUBJECT } from '../webpush/keys.js'
import { URGENCIES } from '../webpush/urgency.js'

/** Sub-commands of the CLI. */
export type CommandName = 'load' | 'send' | 'simulate' | 'keys' | 'demo' | 'merge' | 'config'

/** An environment variable an option reads; a secret one is redacted wherever it is shown. */
export interface EnvVar {
  name: string
  secret?: boolean
  /** What it holds, for the documentation's table of environment variables. */
  description: string
}

/** One option: how it is spelled, which commands take it, how its value is parsed and what it defaults to. */
export interface OptionSpec {
  flags: string
  description: string
  commands: readonly CommandName[]
  /** Parses one occurrence; `previous` is the value so far for repeatable options. */
  parse?: (value: string, name: string, previous: unknown) => unknown
  /** Shown in --help and the README, built from DEFAULTS; the value itself is applied by the resolver. */
  defaultText?: string
  /** Environment variables read for this option (or in its place), shown in --help. */
  env?: readonly EnvVar[]
  /** Allowed in notify-sender.config.json (false for options that only make sense on a command line). */
  inConfig?: boolean
}

// The environment variables of the options that take one (or read one in their place).
const VAPID_ENV: readonly EnvVar[] = [
  { name: ENV_VAPID_PRIVATE_KEY, secret: true, description: 'the VAPID private key (base64url), instead of `--vapid-keys`; never accepted as an argument or in the config file' },
  { name: ENV_VAPID_PUBLIC_KEY, description: 'its public key (base64url)' },
  { name: ENV_VAPID_SUBJECT, description: 'the VAPID subject (`mailto:` or `https:`) when neither `--subject` nor the key file gives one' }
]
const SHARD_ENV: readonly EnvVar[] = [
  { name: ENV_SHARD, description: '`i/n` or `n`, as `--shard`, which wins over it' },
  { name: ENV_JOB_INDEX, description: 'the shard index when only a count is given (Kubernetes Indexed Jobs set it); set without a shard count, the send refuses to start' }
]

const ENGINE: readonly CommandName[] = ['load', 'send', 'demo']
const SEND: readonly CommandName[] = ['send', 'demo']

// Parsers of repeatable options, so the config schema and docs can say "or an array".
const REPEATABLE = new WeakSet<object>()

function repeat<T> (parse: (v: string, n: string) => T): (v: string, n: string, prev: unknown) => T[] {
  const fn = (v: string, n: string, prev: unknown): T[] => [...(Array.isArray(prev) ? prev as T[] : []), parse(v, n)]
  REPEATABLE.add(fn)
  return fn
}

/** True for options that may be given several times (`-H`, `--resolve`...). */
export function isRepeatable (spec: OptionSpec): boolean {
  return spec.parse !== undefined && REPEATABLE.has(spec.parse)
}

/** Parses `--http`: 1, 1.1, 2, auto; 3 is refused with an explanation instead of silently falling back. */
export function parseHttpVersion (value: string, name: string): 1 | 2 | 'auto' {
  const v = value.trim().toLowerCase()
  if (v === '1' || v === '1.1' || v === 'http/1.1') return 1
  if (v === '2' || v === 'h2') return 2
  if (v === 'auto') return 'auto'
  if (v === '3' || v === 'h3') {
    throw new NotifySenderError(`${name}=3: HTTP/3 is not available in this runtime (Node ${process.versions.node} has no QUIC client, and undici 7 has none either); use --http=2`, 'NS_ERR_UNSUPPORTED_PROTOCOL')
  }
  throw new InvalidOptionError(`${name} must be 1, 2 or auto, got ${JSON.stringify(value)}`)
}

function topic (value: string, name: string): string {
  if (!/^[A-Za-z0-9_-]{1,32}$/.test(value)) {
    throw new InvalidOptionError(`${name} must be 1 to 32 characters of the base64url alphabet (A-Z a-z 0-9 - _), got ${JSON.stringify(value)}`)
  }
  return value
}

function hostPattern (value: string, name: string): string {
  const v = value.trim().toLowerCase()
  if (v === '' || /[\s/@]/.test(v)) throw new InvalidOptionError(`${name} must be a host name pattern such as push.example.com or *.example.com, got ${JSON.stringify(value)}`)
  return v
}

function dnsServer (value: string, name: string): string {
  const v = value.trim()
  if (!/^(\d{1,3}(\.\d{1,3}){3}(:\d{1,5})?|\[[0-9a-fA-F:]+\](:\d{1,5})?|[0-9a-fA-F:]+)$/.test(v)) {
    throw new InvalidOptionError(`${name} must be an IP address with an optional port (127.0.0.1:5353), got ${JSON.stringify(value)}`)
  }
  return v
}

function ttlSeconds (value: string, name: string): number {
  // The TTL header itself is in seconds (RFC 8030), so a bare number is unambiguous here.
  if (/^\s*\d+\s*$/.test(value)) return Number(value)
  const ms = parseDuration(value, name)
  if (ms % 1000 !== 0) throw new InvalidOptionError(`${name} must be a whole number of seconds, got ${JSON.stringify(value)}`)
  return ms / 1000
}

function nonEmpty (value: string, name: string): string {
  if (value.trim() === '') throw new InvalidOptionError(`${name} must not be empty`)
  return value
}

/** Every option of every command, keyed by its camelCase name (also its config file key). */
export const OPTIONS = {
  // engine
  http: { flags: '--http <version>', description: 'HTTP version: 1, 2 (h2c on http:// URLs) or auto (ALPN on https, 1.1 on http); 3 is refused', commands: ENGINE, parse: parseHttpVersion, defaultText: DEFAULTS.http },
  concurrency: { flags: '-c, --concurrency <n>', description: 'maximum requests in flight in total, split evenly across the workers (as -c of autocannon, h2load and oha); at least the worker count', commands: ENGINE, parse: parsePositiveInt, defaultText: `${DEFAULTS.engine.concurrencyPerWorker} per worker` },
  connections: { flags: '--connections <n>', description: 'connections per origin per worker', commands: ENGINE, parse: parsePositiveInt, defaultText: 'the worker\'s share of concurrency / streams (h2) or / pipelining (h1)' },
  streams: { flags: '--streams <n>', description: 'HTTP/2 streams per connection; the server\'s SETTINGS_MAX_CONCURRENT_STREAMS can lower it', commands: ENGINE, parse: parsePositiveInt, defaultText: String(DEFAULTS.streams) },
  pipelining: { flags: '--pipelining <n>', description: 'HTTP/1.1 pipelining depth per connection (load only: a push POST is never pipelined)', commands: ['load'], parse: parsePositiveInt, defaultText: String(DEFAULTS.pipelining) },
  rate: { flags: '-r, --rate <req/s>', description: 'constant arrival rate across all workers (open model); without it the run is closed-model', commands: ENGINE, parse: parsePositiveNumber },
  rampUp: { flags: '--ramp-up <duration>', description: 'ramp the rate (or, without --rate, the concurrency) linearly from 0', commands: ENGINE, parse: parseDuration, defaultText: `0 with --rate, ${formatDuration(DEFAULTS.engine.closedRampUp)} without` },
  stages: { flags: '--stages <list>', description: 'shaped arrival rate, k6-style: 10s:1000,30s:5000 (each stage ramps to its rate)', commands: ENGINE, parse: parseStages },
  duration: { flags: '-d, --duration <duration>', description: 'stop scheduling after this long (simulate: stop the simulator)', commands: [...ENGINE, 'simulate'], parse: parsePositiveDuration, defaultText: `load: ${formatDuration(DEFAULTS.load.duration)} unless --requests; send: until the input is done` },
  requests: { flags: '-n, --requests <n>', description: 'total number of requests (load)', commands: ['load'], parse: parsePositiveInt },
  timeout: { flags: '--timeout <duration>', description: 'total time for one request once it is written: headers and the whole body (a late body does not change a known status)', commands: ENGINE, parse: parsePositiveDuration, defaultText: formatDuration(DEFAULTS.timeout) },
  connectTimeout: { flags: '--connect-timeout <duration>', description: 'TCP + TLS connect timeout', commands: ENGINE, parse: parsePositiveDuration, defaultText: formatDuration(DEFAULTS.connectTimeout) },
  connectRate: { flags: '--connect-rate <n>', description: 'new connections per second per worker (no connection storm)', commands: ENGINE, parse: parsePositiveNumber, defaultText: String(DEFAULTS.connectRate) },
  ca: { flags: '--ca <file>', description: 'extra trusted CA certificate (PEM), e.g. the simulator certificate', commands: ENGINE, parse: nonEmpty },
  insecure: { flags: '-k, --insecure', description: 'do not verify TLS certificates (test services only)', commands: ENGINE },
  forceDns: { flags: '--force-dns', description: 'resolve every A/AAAA record and spread connections round-robin over them (honours TTL)', commands: ENGINE },
  resolve: { flags: '--resolve <host:port:addr>', description: 'pin host:port to addresses (curl semantics, repeatable, addr may be a comma list)', commands: ENGINE, parse: repeat(parseResolve) },
  dnsServer: { flags: '--dns-server <addr>', description: 'DNS server (ip or ip:port) to query instead of the system resolver (repeatable)', commands: ENGINE, parse: repeat(dnsServer) },
  json: { flags: '--json', description: 'print the report as one JSON document on stdout', commands: [...ENGINE, 'merge'], inConfig: false },
  report: { flags: '--report <file>', description: 'write the JSON report (with encoded histograms) to a file', commands: [...ENGINE, 'merge'], parse: nonEmpty },
  timeline: { flags: '--timeline <file>', description: 'write the per-second timeline as CSV (rates, errors, status classes, p50/p90/p99, outcomes, push services)', commands: [...ENGINE, 'merge'], parse: nonEmpty },
  hgrm: { flags: '--hgrm <prefix>', description: 'write the final histograms as HdrHistogram percentile distributions: <prefix>.corrected.hgrm and <prefix>.raw.hgrm (ms)', commands: [...ENGINE, 'merge'], parse: nonEmpty },
  html: { flags: '--html <file>', description: 'write a self-contained HTML report with charts (rate vs target, latency over time, HDR distribution, breakdowns)', commands: [...ENGINE, 'merge'], parse: nonEmpty },
  metricsPort: { flags: '--metrics-port <n>', description: 'serve Prometheus metrics on /metrics during the run (0 = any free port, logged)', commands: ENGINE, parse: parseNonNegativeInt },
  metricsHost: { flags: '--metrics-host <addr>', description: 'address --metrics-port listens on', commands: ENGINE, parse: nonEmpty, defaultText: DEFAULTS.metricsHost },
  metricsFile: { flags: '--metrics-file <file>', description: 'write the final metrics in Prometheus text format (node_exporter textfile collector; atomic rename)', commands: ENGINE, parse: nonEmpty },
  maxErrorRate: { flags: '--max-error-rate <ratio>', description: 'fail (exit 1) when failed/completed exceeds this (0.01 or 1%); 100% also accepts a run in which nothing succeeded', commands: [...ENGINE, 'merge'], parse: parseRatio, defaultText: `send: ${DEFAULTS.send.maxErrorRate * 100}%; load, merge: none` },
  maxP99: { flags: '--max-p99 <duration>', description: 'fail (exit 1) when the corrected p99 latency exceeds this', commands: [...ENGINE, 'merge'], parse: parsePositiveDuration },
  grace: { flags: '--grace <duration>', description: 'after --duration or on SIGINT/SIGTERM, wait this long for in-flight requests, then abort them: no run outlives --duration + --grace', commands: ENGINE, parse: parseDuration, defaultText: formatDuration(DEFAULTS.grace) },
  quiet: { flags: '-q, --quiet', description: 'no progress and no summary table on stderr', commands: [...ENGINE, 'simulate', 'merge'], inConfig: false },
  logLevel: { flags: '--log-level <level>', description: `log level: ${LOG_LEVELS.join(', ')}`, commands: [...ENGINE, 'simulate'], parse: (v: string, n: string) => parseChoice(v, n, LOG_LEVELS), defaultText: DEFAULTS.logLevel },
  config: { flags: '--config <file>', description: 'configuration file (JSON, option names in camelCase)', commands: ['load', 'send'], parse: nonEmpty, defaultText: `./${CONFIG_FILE_NAME} if present`, inConfig: false },
  // load
  method: { flags: '-m, --method <method>', description: 'HTTP method', commands: ['load'], parse: (v: string, n: string) => parseChoice(v, n, ['get', 'post', 'put', 'patch', 'delete', 'head', 'options'] as const).toUpperCase(), defaultText: 'GET, or POST with --body' },
  body: { flags: '-b, --body <data|@file>', description: 'request body, inline or @file', commands: ['load'], parse: nonEmpty },
  header: { flags: '-H, --header <name:value>', description: 'request header (repeatable)', commands: ['load'], parse: repeat(parseHeader) },
  urlsFile: { flags: '--urls-file <file>', description: 'file with one URL per line, used round-robin with the positional URLs', commands: ['load'], parse: nonEmpty },
  // send
  subscriptions: { flags: '-s, --subscriptions <file>', description: 'NDJSON PushSubscription file, - for stdin', commands: ['send'], parse: nonEmpty, defaultText: 'stdin when it is not a terminal' },
  source: { flags: '--source <url>', description: 'read the subscriptions from PostgreSQL instead (postgres://user@host/db; the password may come from the environment); needs --query', commands: ['send'], parse: parsePostgresUrl, env: [{ name: 'PGPASSWORD', secret: true, description: 'the PostgreSQL password (or `~/.pgpass`), so that it is not in the URL, where `ps` shows it' }] },
  query: { flags: '--query <sql>', description: 'SQL for --source: a subscription column (json/jsonb/text) or endpoint, p256dh, auth columns; other columns are metadata; give it an ORDER BY for resume', commands: ['send'], parse: nonEmpty },
  payload: { flags: '-p, --payload <text|@file>', description: 'notification payload (UTF-8, at most 3993 bytes); a line\'s own "payload" wins', commands: SEND, parse: nonEmpty, defaultText: 'demo: a small JSON notification' },
  vapidKeys: { flags: '--vapid-keys <file>', description: 'VAPID key file from `notify-sender keys`, or the keys (and a subject neither --subject nor the file gives) from the environment', commands: ['send'], parse: nonEmpty, env: VAPID_ENV },
  subject: { flags: '--subject <mailto:|https:>', description: 'VAPID subject (contact), e.g. mailto:ops@example.com', commands: ['send', 'keys'], parse: nonEmpty },
  ttl: { flags: '--ttl <duration>', description: 'RFC 8030 TTL (seconds or a duration)', commands: SEND, parse: ttlSeconds, defaultText: formatDuration(DEFAULTS.ttl * 1000) },
  urgency: { flags: '--urgency <level>', description: 'RFC 8030 Urgency: very-low, low, normal, high', commands: SEND, parse: (v: string, n: string) => parseChoice(v, n, URGENCIES) },
  topic: { flags: '--topic <topic>', description: 'RFC 8030 Topic (<= 32 base64url characters)', commands: SEND, parse: topic },
  out: { flags: '-o, --out <dir>', description: 'directory for the outcome files (sent/expired/failed/invalid NDJSON) and the report', commands: SEND, parse: nonEmpty },
  retries: { flags: '--retries <n>', description: 'retries for 5xx, timeouts, connection errors and refused streams', commands: SEND, parse: parseNonNegativeInt, defaultText: String(DEFAULTS.retries) },
  maxRetryAfter: { flags: '--max-retry-after <duration>', description: 'a longer Retry-After fails the message instead of holding it', commands: SEND, parse: parseDuration, defaultText: formatDuration(DEFAULTS.maxRetryAfter) },
  allowHost: { flags: '--allow-host <pattern>', description: 'also allow this endpoint host (push.example.com, *.example.com, *); allowed hosts may use http', commands: SEND, parse: repeat(hostPattern) },
  allowPrivate: { flags: '--allow-private', description: 'allow endpoints that resolve to loopback/private/link-local addresses', commands: SEND },
  dryRun: { flags: '--dry-run', description: 'validate and encrypt every message but send nothing', commands: SEND },
  state: { flags: '--state <file>', description: 'resume state of the run in --out (needs --out)', commands: ['send'], parse: nonEmpty, defaultText: `<out>/${DEFAULTS.send.stateFile} when --out is given` },
  resume: { flags: '--resume', description: 'continue the unfinished run in --out: skip the lines it settled (matched by endpoint), send the rest; starts fresh when that run finished. Without it a run starts fresh, and is refused if --out holds an unfinished run', commands: ['send'] },
  retryFailed: { flags: '--retry-failed', description: 'continue the last run in --out, finished or not, and send its failed lines again (those marked deliveryUnknown may arrive twice)', commands: ['send'] },
  shard: { flags: '--shard <i/n>', description: 'send only shard i of n (0-based), split by a SHA-256 of the endpoint; n alone takes i from the pod\'s Kubernetes Indexed Job index', commands: ['send'], parse: parseShardSpec, env: SHARD_ENV },
  resendIndeterminate: { flags: '--resend-indeterminate', description: 'continue the last run in --out, finished or not, and send again the lines whose outcome is unknown (may duplicate)', commands: ['send'] },
  // config
  print: { flags: '--print', description: 'print the resolved configuration of send (or --for load) as JSON: each value and where it came from, secrets redacted', commands: ['config'], inConfig: false },
  schema: { flags: '--schema', description: 'print the JSON Schema of notify-sender.config.json', commands: ['config'], inConfig: false },
  for: { flags: '--for <command>', description: 'the command whose configuration --print resolves: send or load', commands: ['config'], parse: (v: string, n: string) => parseChoice(v, n, ['send', 'load'] as const), defaultText: DEFAULTS.for, inConfig: false },
  // simulate / demo
  port: { flags: '--port <n>', description: 'port to listen on (0 = any free port)', commands: ['simulate'], parse: parseNonNegativeInt, defaultText: String(DEFAULTS.port) },
  host: { flags: '--host <addr>', description: 'loopback address to listen on', commands: ['simulate'], parse: nonEmpty, defaultText: DEFAULTS.host },
  subscriptionCount: { flags: '--subscriptions <n>', description: 'number of subscriptions to generate', commands: ['simulate', 'demo'], parse: parsePositiveInt, defaultText: `simulate: ${DEFAULTS.simulate.subscriptionCount}, demo: ${DEFAULTS.demo.subscriptionCount}` },
  subscriptionsOut: { flags: '--out <file>', description: 'write the generated subscriptions (NDJSON) here', commands: ['simulate'], parse: nonEmpty, defaultText: `<state-dir>/${DEFAULTS.simulate.subscriptionsFile}` },
  stateDir: { flags: '--state-dir <dir>', description: 'where the simulator keeps its certificate and seed', commands: ['simulate'], parse: nonEmpty, defaultText: DEFAULTS.stateDir },
  fault410: { flags: '--fault-410 <ratio>', description: 'share of subscriptions that are expired (410, sticky)', commands: ['simulate', 'demo'], parse: parseRatio },
  fault429: { flags: '--fault-429 <ratio>', description: 'share of requests answered 429 with Retry-After', commands: ['simulate', 'demo'], parse: parseRatio },
  fault500: { flags: '--fault-500 <ratio>', description: 'share of requests answered 500', commands: ['simulate', 'demo'], parse: parseRatio },
  faultSlow: { flags: '--fault-slow <ratio>', description: 'share of requests answered after --slow-ms', commands: ['simulate', 'demo'], parse: parseRatio },
  faultReset: { flags: '--fault-reset <ratio>', description: 'share of streams reset (RST_STREAM)', commands: ['simulate', 'demo'], parse: parseRatio },
  faultGoaway: { flags: '--fault-goaway <ratio>', description: 'share of requests after which the session is closed with GOAWAY', commands: ['simulate', 'demo'], parse: parseRatio },
  slowMs: { flags: '--slow-ms <duration>', description: 'delay of slow responses', commands: ['simulate'], parse: parseDuration, defaultText: formatDuration(DEFAULTS.slowMs) },
  retryAfter: { flags: '--retry-after <seconds>', description: 'Retry-After value of injected 429s', commands: ['simulate'], parse: parseNonNegativeInt, defaultText: String(DEFAULTS.retryAfter) }
} as const satisfies Record<string, OptionSpec>

/** Name of an option in {@link OPTIONS}. */
export type OptionKey = keyof typeof OPTIONS

/** What an entry's parser returns; an option without a parser is a boolean flag. */
type ParsedValue<S> = S extends { parse: (...args: never[]) => infer T } ? T : boolean

/** Parsed option values by key (command line, config file or API), each typed by its entry's parser. */
export type ParsedOptions = { [K in OptionKey]?: ParsedValue<(typeof OPTIONS)[K]> }

/**
 * Stores a value that `OPTIONS[key].parse` produced (or a flag's boolean). The one place a value is
 * trusted to have its key's type: code that loops over keys cannot show the compiler which parser ran.
 */
export function setOption (target: ParsedOptions, key: OptionKey, value: unknown): void {
  (target as Record<OptionKey, unknown>)[key] = value
}

/** The text --help and the config file schema show for an option: description, environment, default. */
export function optionHelp (spec: OptionSpec): string {
  const env = spec.env === undefined ? '' : ` (env: ${spec.env.map((e) => e.name).join(', ')})`
  return spec.description + env + (spec.defaultText === undefined ? '' : ` (default: ${spec.defaultText})`)
}

/** Every environment variable the options read, in table order, without repeats. */
export function envVars (): EnvVar[] {
  const seen = new Map<string, EnvVar>()
  for (const spec of Object.values(OPTIONS) as OptionSpec[]) for (const e of spec.env ?? []) if (!seen.has(e.name)) seen.set(e.name, e)
  return [...seen.values()]
}

/** Options that apply to a command, in table order. */
export function optionsFor (command: CommandName): Array<[OptionKey, OptionSpec]> {
  return (Object.entries(OPTIONS) as Array<[OptionKey, OptionSpec]>).filter(([, s]) => s.commands.includes(command))
}

/** The long flag of an option (`--max-error-rate`), used in messages. */
export function flagName (key: OptionKey): string {
  const m = /--[a-z0-9-]+/.exec(OPTIONS[key].flags)
  return m === null ? key : m[0]
}
