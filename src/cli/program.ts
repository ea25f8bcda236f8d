// Builds the commander program from the options table. Parsing only: actions receive the parsed values
// keyed like the table, and the exit-code mapping lives in main.ts.
import { Command, Option } from 'commander'
import { flagName, optionHelp, optionsFor, setOption } from '../config/options.js'
import type { CommandName, OptionKey, OptionSpec } from '../config/options.js'
import type { RawOptions } from '../config/resolve.js'
import { version } from '../version.js'

/** What an action receives: positional arguments and option values keyed as in the table. */
export interface ParsedCommand {
  command: CommandName
  args: string[]
  options: RawOptions
}

/** Runs a parsed command; resolves when the command's work is finished. */
export type Action = (parsed: ParsedCommand) => Promise<void>

/** Positional arguments and one-line summary of each command (help and the README). */
export const COMMANDS: Readonly<Record<CommandName, { args: string, summary: string }>> = {
  send: { args: '[workers]', summary: 'send Web Push notifications to NDJSON subscriptions (the default command)' },
  // Optional: the URLs may come from --urls-file or the config file's "urls" (`notify-sender load 12`).
  load: { args: '[targets...]', summary: 'HTTP/1.1 + HTTP/2 load test: notify-sender load <url...> [workers]' },
  keys: { args: '', summary: 'generate a VAPID key pair (JSON on stdout)' },
  simulate: { args: '', summary: 'run the local push-service simulator and write matching subscriptions' },
  demo: { args: '[workers]', summary: 'simulator + send, end to end, on loopback' },
  merge: { args: '<reports...>', summary: 'merge reports of concurrent runs (shards, several machines) into one; a directory means its report.json' },
  config: { args: '[args...]', summary: 'print the resolved configuration (--print, secrets redacted) or the config file JSON Schema (--schema); takes the options of send and load' }
}

/** Commands in the order `--help` lists them. */
export const ORDER: readonly CommandName[] = ['send', 'load', 'keys', 'simulate', 'demo', 'merge', 'config']

// `config --print` resolves a send or load: it takes their options too (no flag differs between the two).
function commandOptions (name: CommandName): Array<[OptionKey, OptionSpec]> {
  if (name !== 'config') return optionsFor(name)
  const seen = new Set<OptionKey>()
  return [...optionsFor('config'), ...optionsFor('send'), ...optionsFor('load')].filter(([k]) => !seen.has(k) && seen.add(k) !== undefined)
}

/** Builds the program; `io` lets tests capture output. */
export function buildProgram (action: Action, io: { out: (s: string) => void, err: (s: string) => void } = {
  out: (s) => { process.stdout.write(s) },
  err: (s) => { process.stderr.write(s) }
}): Command {
  const program = new Command('notify-sender')
    .description('Send Web Push notifications at a controlled rate; an HTTP/1.1 + HTTP/2 load generator')
    .version(version, '-V, --version')
    .showSuggestionAfterError(true)
    .configureOutput({ writeOut: io.out, writeErr: io.err })
    .exitOverride()
    .addHelpText('after', '\nExit codes: 0 ok, 1 run failed or threshold breached, 2 usage or configuration error, 128+signal interrupted.')

  for (const name of ORDER) {
    const d = COMMANDS[name]
    const cmd = new Command(name).description(d.summary).exitOverride().configureOutput({ writeOut: io.out, writeErr: io.err })
    if (d.args !== '') cmd.argument(d.args)
    const attrs: Array<[OptionKey, string]> = []
    for (const [key, spec] of commandOptions(name)) {
      // Defaults are applied by the resolver (so the config file can override them); help just shows them.
      const opt = new Option(spec.flags, optionHelp(spec))
      const parse = spec.parse
      if (parse !== undefined) opt.argParser((v: string, prev: unknown) => parse(v, flagName(key), prev))
      cmd.addOption(opt)
      attrs.push([key, opt.attributeName()])
    }
    cmd.action(async (...params: unknown[]) => {
      const self = params.at(-1) as Command
      const values = self.opts()
      const options: RawOptions = {}
      for (const [key, attr] of attrs) {
        if (values[attr] !== undefined) setOption(options, key, values[attr])
      }
      const args = self.args
      await action({ command: name, args, options })
    })
    program.addCommand(cmd, name === 'send' ? { isDefault: true } : {})
  }
  return program
}
