// The runtime floor (#10): started on a Node older than package.json's engines (>=22.19, undici 8's floor),
// the CLI prints one line naming the version it needs and exits 2, before it imports undici or any of its
// own modules. Checked with a real older Node when one is on PATH (machines here ship Node 20), and always
// with the running Node made to report an older version.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { delimiter, join } from 'node:path'
import { runCli } from '../helpers/cli.js'
import { repoRoot } from '../helpers/paths.js'

const engines = (JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { engines: { node: string } }).engines.node
const EXIT_USAGE = 2

/** Reports every module the CLI resolves from undici or from its own build, on stderr. */
const WATCH_IMPORTS = 'data:text/javascript,' + encodeURIComponent(
  'import { registerHooks } from "node:module";' +
  'registerHooks({ resolve (s, c, next) { const r = next(s, c); if (/undici|\\/dist\\/src\\//.test(r.url)) process._rawDebug("IMPORTED " + r.url); return r } })'
)

function older (version: string): boolean {
  const [major = 0, minor = 0] = version.replace(/^v/, '').split('.').map(Number)
  const [needMajor = 0, needMinor = 0] = engines.replace(/^>=\s*/, '').split('.').map(Number)
  return major < needMajor || (major === needMajor && minor < needMinor)
}

/** A Node binary on PATH, outside any node_modules, older than the floor; undefined when there is none. */
function olderNodeOnPath (): { path: string, version: string } | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const path = join(dir, 'node')
    if (dir === '' || dir.includes('node_modules') || !existsSync(path)) continue
    try {
      const version = execFileSync(path, ['--version'], { encoding: 'utf8' }).trim()
      if (older(version)) return { path, version }
    } catch {
      // Not runnable: look further.
    }
  }
  return undefined
}

function assertRefused (r: { code: number | null, stdout: string, stderr: string }, version: string): void {
  assert.equal(r.code, EXIT_USAGE)
  assert.equal(r.stdout, '')
  const lines = r.stderr.split('\n').filter((l) => l !== '')
  assert.equal(lines.length, 1, `one line, nothing imported: ${r.stderr}`)
  assert.equal(lines[0], `notify-sender: needs Node.js ${engines} (this is Node.js ${version}); install Node.js 26 LTS or 22.19+`)
}

test('engines.node is the floor undici 8 needs', () => {
  assert.equal(engines, '>=22.19')
})

test('on a Node that reports 22.18.0, the CLI exits 2 with one line, having imported neither undici nor itself', async () => {
  const fake = 'data:text/javascript,' + encodeURIComponent('Object.defineProperty(process.versions, "node", { value: "22.18.0" })')
  const r = await runCli(['send', '--help'], { nodeArgs: ['--import', fake, '--import', WATCH_IMPORTS] })
  assertRefused(r, '22.18.0')
})

test('the same watch sees the CLI import itself on a supported Node (the check above is not vacuous)', async () => {
  const r = await runCli(['--version'], { nodeArgs: ['--import', WATCH_IMPORTS] })
  assert.equal(r.code, 0)
  assert.match(r.stderr, /IMPORTED file:.*\/dist\/src\/cli\/main\.js/)
})

test('a real older Node on PATH (the machine\'s own) gets the same one line and exit 2', async (t) => {
  const old = olderNodeOnPath()
  if (old === undefined) {
    t.skip(`no Node older than ${engines} on PATH outside node_modules; the reported-version test above covers the check`)
    return
  }
  t.diagnostic(`using ${old.path} (${old.version})`)
  const r = await runCli(['send', '--help'], { node: old.path })
  assertRefused(r, old.version.replace(/^v/, ''))
})
