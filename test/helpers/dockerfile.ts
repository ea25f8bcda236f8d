/** One Dockerfile instruction: its keyword (upper case) and the rest of its line(s), continuations joined. */
export interface Instruction {
  keyword: string
  args: string
}

/** The instructions of one build stage, from its FROM to the next. */
export interface Stage {
  /** The FROM image, e.g. `node:26-slim`. */
  image: string
  /** The name after `AS`, if any. */
  name: string | undefined
  instructions: Instruction[]
}

/**
 * Splits a Dockerfile into stages of instructions: comment lines dropped, backslash continuations joined.
 * Enough for checking facts of a file this repository writes, not a full parser (no heredocs, no escape
 * directive).
 */
export function parseDockerfile (text: string): Stage[] {
  const logical: string[] = []
  let pending = ''
  for (const raw of text.split('\n')) {
    const line = raw.trim()
    if (line.startsWith('#') || (line === '' && pending === '')) continue
    if (line.endsWith('\\')) {
      pending += line.slice(0, -1) + ' '
      continue
    }
    logical.push(pending + line)
    pending = ''
  }
  const stages: Stage[] = []
  for (const line of logical) {
    const m = /^(\S+)\s*(.*)$/.exec(line)
    if (m === null) continue
    const keyword = (m[1] ?? '').toUpperCase()
    const args = (m[2] ?? '').replace(/\s+/g, ' ').trim()
    if (keyword === 'FROM') {
      const from = /^(?:--platform=\S+\s+)?(\S+)(?:\s+AS\s+(\S+))?$/i.exec(args)
      if (from === null) throw new Error(`unreadable FROM: ${args}`)
      stages.push({ image: from[1] ?? '', name: from[2], instructions: [] })
    } else {
      const stage = stages.at(-1)
      if (stage === undefined) throw new Error(`${keyword} before the first FROM`)
      stage.instructions.push({ keyword, args })
    }
  }
  return stages
}
