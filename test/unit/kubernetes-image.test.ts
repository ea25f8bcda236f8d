// examples/kubernetes (#15): the image job.yaml runs is built by the Dockerfile beside it. Docker cannot
// run on the machines this repository is tested on, so the Dockerfile's facts are checked by reading it:
// multi-stage, the Node major pinned to the project's, the packed tarball installed globally, a non-root
// user, notify-sender as the entrypoint; and the manifest names the image the README's build command tags.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { parseAllDocuments } from 'yaml'
import { parseDockerfile } from '../helpers/dockerfile.js'
import type { Stage } from '../helpers/dockerfile.js'
import { repoRoot } from '../helpers/paths.js'

const dir = join(repoRoot, 'examples', 'kubernetes')
const stages = parseDockerfile(readFileSync(join(dir, 'Dockerfile'), 'utf8'))
const manifest = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { version: string, devDependencies: Record<string, string> }
const nodeMajor = (manifest.devDependencies.node ?? '').split('.')[0]
const final = stages.at(-1) as Stage

function args (stage: Stage, keyword: string): string[] {
  return stage.instructions.filter((i) => i.keyword === keyword).map((i) => i.args)
}

test('the Dockerfile has a build stage and a runtime stage, both on node:<major>-slim with the project\'s Node major', () => {
  assert.ok(stages.length >= 2, 'multi-stage')
  assert.equal(nodeMajor, '26')
  for (const s of stages) assert.match(s.image, new RegExp(`^node:${nodeMajor}(\\.\\d+){0,2}-([a-z]+-)?slim$`), `pinned major, slim: ${s.image}`)
})

test('the build stage packs the package with npm pack; the runtime stage installs that tarball globally', () => {
  const build = stages[0] as Stage
  assert.ok(build.name !== undefined, 'the build stage is named')
  assert.ok(args(build, 'RUN').some((r) => /\bnpm ci\b/.test(r)), 'npm ci')
  const pack = args(build, 'RUN').find((r) => /\bnpm pack\b/.test(r))
  assert.ok(pack !== undefined, 'npm pack (its prepack builds the package)')
  assert.doesNotMatch(pack, /--ignore-scripts/, 'prepack must run')
  const copy = args(final, 'COPY').find((c) => c.startsWith(`--from=${build.name ?? ''} `))
  assert.ok(copy !== undefined, 'the runtime stage copies from the build stage')
  const tarball = copy.split(' ').at(-1) ?? ''
  assert.match(tarball, /\.tgz$/)
  const install = args(final, 'RUN').find((r) => /\bnpm install -g\b/.test(r))
  assert.ok(install?.includes(tarball), `npm install -g ${tarball}`)
  assert.equal(args(final, 'COPY').length, 1, 'the runtime stage copies nothing but the tarball')
})

test('the runtime stage installs the optional PostgreSQL driver the manifest\'s --source needs, at the tested versions', () => {
  const install = args(final, 'RUN').find((r) => /\bnpm install -g\b/.test(r)) ?? ''
  for (const name of ['pg', 'pg-cursor']) {
    assert.ok(install.split(' ').includes(`${name}@${manifest.devDependencies[name] ?? '?'}`), `${name}@${manifest.devDependencies[name] ?? '?'} in: ${install}`)
  }
})

test('the runtime stage runs as a numeric non-root user, with ENTRYPOINT ["notify-sender"]', () => {
  const users = args(final, 'USER')
  assert.ok(users.length > 0, 'USER is set')
  const user = users.at(-1) ?? ''
  assert.match(user, /^\d+(:\d+)?$/, 'numeric, so runAsNonRoot can verify it')
  assert.notEqual(user.split(':')[0], '0')
  const entrypoints = args(final, 'ENTRYPOINT')
  assert.equal(entrypoints.length, 1)
  assert.deepEqual(JSON.parse(entrypoints[0] ?? ''), ['notify-sender'], 'exec form')
  assert.deepEqual(args(final, 'CMD'), [], 'the Job\'s args are notify-sender\'s arguments')
})

test('job.yaml names the image the README builds from this Dockerfile, and runs it as non-root', () => {
  const readme = readFileSync(join(dir, 'README.md'), 'utf8')
  const build = /docker build -f (\S+) -t (\S+) \.\n/.exec(readme)
  assert.ok(build !== null, 'the README has the docker build command')
  assert.equal(build[1], 'examples/kubernetes/Dockerfile')
  const image = build[2] ?? ''
  assert.equal(image.split(':').at(-1), manifest.version, 'tagged with the package version')
  const docs = parseAllDocuments(readFileSync(join(dir, 'job.yaml'), 'utf8')).map((d) => d.toJS() as {
    kind: string
    spec: { template: { spec: { securityContext?: { runAsNonRoot?: boolean }, containers: Array<{ image: string }> } } }
  })
  assert.equal(docs.length, 2)
  for (const doc of docs) {
    assert.equal(doc.kind, 'Job')
    const pod = doc.spec.template.spec
    assert.deepEqual(pod.containers.map((c) => c.image), [image])
    assert.equal(pod.securityContext?.runAsNonRoot, true)
  }
})
