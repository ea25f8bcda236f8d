import { existsSync, readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

// Walk up to the package.json rather than counting `..`: compiled tests run from
// dist/test/helpers/ while a TypeScript-aware runner would load test/helpers/ directly.
function findRepoRoot (): URL {
  let dir = new URL('./', import.meta.url)
  for (;;) {
    const manifest = new URL('package.json', dir)
    if (existsSync(manifest)) {
      const { name } = JSON.parse(readFileSync(manifest, 'utf8')) as { name?: unknown }
      if (name === 'notify-sender') return dir
    }
    const parent = new URL('../', dir)
    if (parent.href === dir.href) throw new Error(`no notify-sender package.json above ${import.meta.url}`)
    dir = parent
  }
}

/** The repository root as a directory URL (ends with `/`). */
export const repoRootUrl: URL = findRepoRoot()
/** The repository root as a filesystem path. */
export const repoRoot: string = resolve(fileURLToPath(repoRootUrl))
/** The CLI entry point, `<repoRoot>/bin/notify-sender.js`. */
export const binPath: string = fileURLToPath(new URL('bin/notify-sender.js', repoRootUrl))
