// The README's options section, generated from the options table (scripts/update-readme-options.js writes
// it; a test fails when README.md and the table disagree).
import { flagName, OPTIONS, optionsFor } from '../config/options.js'
import type { CommandName, OptionKey, OptionSpec } from '../config/options.js'
import { COMMANDS } from './program.js'

/** Commands in the order the README documents them. */
export const DOC_ORDER: readonly CommandName[] = ['load', 'send', 'simulate', 'keys', 'demo', 'merge', 'config']

// GFM splits table cells on every unescaped pipe, even inside code spans (`<data|@file>`).
function code (text: string): string {
  return '`' + text.replace(/\|/g, '\\|') + '`'
}

// Outside code spans `<url...>` could be taken for HTML and `*.example.com, *` for emphasis.
function text (s: string): string {
  return s.replace(/([|*])/g, '\\$1').replace(/</g, '&lt;').replace(/\r?\n/g, ' ')
}

/** One markdown section per command with a `| option | description | default |` table. */
export function renderOptionsMarkdown (): string {
  const cliOnly = (Object.entries(OPTIONS) as Array<[OptionKey, OptionSpec]>).filter(([, s]) => s.inConfig === false).map(([k]) => code(flagName(k)))
  const parts: string[] = [
    'Generated from the options table (`src/config/options.ts`) by `npm run docs`; do not edit by hand.',
    `Options of \`load\` and \`send\` other than ${cliOnly.join(', ')} can also be set in \`notify-sender.config.json\``,
    'under their camelCase name (`maxErrorRate`); flags win over the file.'
  ]
  for (const name of DOC_ORDER) {
    const c = COMMANDS[name]
    parts.push('', `### ${name}`, '', `${code(`notify-sender ${name} [options]${c.args === '' ? '' : ` ${c.args}`}`)}: ${text(c.summary)}`, '')
    parts.push('| option | description | default |', '| --- | --- | --- |')
    for (const [, spec] of optionsFor(name)) {
      parts.push(`| ${code(spec.flags)} | ${text(spec.description)} | ${spec.defaultText === undefined ? '' : text(spec.defaultText)} |`)
    }
  }
  return parts.join('\n') + '\n'
}
