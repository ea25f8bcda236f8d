// `config`: what a send or load would run with (--print) and the config file schema (--schema). The
// values go through the command's own resolvers, so a configuration that --print accepts is one the
// command accepts, and an error names the same option the command would.
import { configSchema } from '../config/schema.js'
import { describeConfig, REDACTED } from '../config/describe.js'
import { redactUrlPasswords } from '../log.js'
import type { ConfigDescription } from '../config/describe.js'
import { loadConfigFile, mergeOptions } from '../config/file.js'
import { flagName, OPTIONS, setOption } from '../config/options.js'
import type { OptionKey } from '../config/options.js'
import { inlineOrFile, parseWorkers, resolveEngine, splitLoadTargets } from '../config/resolve.js'
import type { RawOptions } from '../config/resolve.js'
import { DEFAULTS } from '../defaults.js'
import { InvalidOptionError, NotifySenderError } from '../errors.js'
import { encodeBase64Url } from '../webpush/base64url.js'
import { MAX_PLAINTEXT_BYTES } from '../webpush/encrypt.js'
import { ENV_VAPID_PRIVATE_KEY, loadVapidKeys } from '../webpush/keys.js'
import { formatShard, resolveShard } from '../send/shard.js'
import { resolveLoad } from './load.js'
import { postgresInput } from './send.js'

const OWN: ReadonlySet<string> = new Set(['print', 'schema', 'for'])

/** What `config` prints: the schema, or the described configuration plus warnings for stderr. */
export type ConfigOutput = { kind: 'schema', schema: Record<string, unknown> } | { kind: 'print', description: ConfigDescription, warnings: string[] }

/** Runs `config` with parsed flags and positionals (the send/load positionals: [urls...] [workers]). */
export async function runConfigCommand (args: readonly string[], options: RawOptions, env: NodeJS.ProcessEnv = process.env): Promise<ConfigOutput> {
  if (options.schema === true && options.print === true) throw new InvalidOptionError('--print and --schema are separate views; give one of them')
  if (options.schema === true) return { kind: 'schema', schema: configSchema() }
  if (options.print !== true) throw new InvalidOptionError('config needs --print (the resolved configuration) or --schema (the config file JSON Schema)')
  const command = options.for ?? DEFAULTS.for
  const cli: RawOptions = {}
  for (const [key, value] of Object.entries(options) as Array<[OptionKey, unknown]>) {
    if (OWN.has(key)) continue
    if (!(OPTIONS[key].commands as readonly string[]).includes(command)) {
      throw new InvalidOptionError(`${flagName(key)} is not an option of ${command}${command === 'send' ? ' (use --for load)' : ''}`)
    }
    setOption(cli, key, value)
  }
  const file = loadConfigFile(cli.config, command)
  const raw = mergeOptions(file?.options, cli)
  const warnings: string[] = []
  let workersArg: string | undefined
  let workers: number
  const resolved: Record<string, unknown> = {}
  if (command === 'load') {
    const split = splitLoadTargets(args)
    workersArg = split.workers
    const urls = split.urls.length > 0 ? split.urls : (file?.urls ?? [])
    const load = resolveLoad(raw, urls, workersArg ?? file?.workers)
    workers = load.engine.workers
    resolved.urls = load.job.targets.map((t) => redactUrlPasswords(t.url))
  } else {
    if (args.length > 1) throw new InvalidOptionError(`send takes one positional argument (workers), got ${args.length}`)
    workersArg = args[0]
    workers = parseWorkers(workersArg ?? (file?.workers === undefined ? undefined : String(file.workers)))
    resolveEngine(raw, 'send', workers)
    Object.assign(resolved, await describeSend(raw, env, warnings))
  }
  const description = describeConfig({ command, cli, file, workersArg, workers, env })
  description.resolved = resolved
  return { kind: 'print', description, warnings }
}

async function describeSend (raw: RawOptions, env: NodeJS.ProcessEnv, warnings: string[]): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {}
  postgresInput(raw, false)
  const shard = resolveShard(raw.shard, env)
  out.shard = shard === undefined ? null : formatShard(shard)
  const payload = raw.payload
  if (payload !== undefined) {
    const bytes = inlineOrFile(payload, 'payload').length
    if (bytes > MAX_PLAINTEXT_BYTES) throw new NotifySenderError(`--payload is ${bytes} bytes; Web Push (RFC 8291, one 4096-byte record) allows at most ${MAX_PLAINTEXT_BYTES}`, 'NS_ERR_PAYLOAD_TOO_LARGE')
    out.payloadBytes = bytes
  }
  const file = raw.vapidKeys
  if (file !== undefined || env[ENV_VAPID_PRIVATE_KEY] !== undefined) {
    // Loaded (and so checked) exactly as send loads them; only the public half is shown.
    const keys = await loadVapidKeys({ file, env, subject: raw.subject })
    warnings.push(...keys.warnings)
    out.vapid = { source: file ?? 'environment', publicKey: encodeBase64Url(keys.publicKey), subject: keys.subject, privateKey: REDACTED }
  } else {
    out.vapid = null
  }
  return out
}
