// The import rules of src/, checked by `npm run lint` (dependency-cruiser; type-only imports count).
// test/unit/layers.test.ts plants a cycle and an upward import in copies of src/ to prove they fail.

// The layers from the ground up. A file may import from its own layer and from the layers below it,
// never from one above.
const LAYERS = [
  { name: 'base', path: '^src/(errors|log|version|defaults)[.]ts$' }, // errors with stable codes, the scrubbing logger, the version, every default value
  { name: 'fs', path: '^src/fs/' }, // files written so that a crash leaves the old or the new one, never half
  { name: 'net', path: '^src/net/' }, // IP addresses: bytes of a literal, the private-address check
  { name: 'tls', path: '^src/tls/' }, // self-signed certificates, DER written by hand
  { name: 'stats', path: '^src/stats/' }, // latency histograms, snapshots and their merging, the per-second timeline
  { name: 'webpush', path: '^src/webpush/' }, // RFC 8030/8291/8292 on both sides: encryption, VAPID, subscriptions, push-service answers
  { name: 'sim', path: '^src/sim/' }, // the push-service simulator: the receiving side of web push
  { name: 'input', path: '^src/input/' }, // reading subscriptions: NDJSON lines, PostgreSQL rows, the input's identity
  { name: 'engine', path: '^src/engine/' }, // worker threads, connection pools, the request loop, the supervisor; its seam is engine/workload.ts
  { name: 'report', path: '^src/report/' }, // the run report: thresholds, exit codes, merging, exports
  { name: 'metrics', path: '^src/metrics/' }, // the Prometheus exporter
  { name: 'load', path: '^src/load/' }, // the load workload: the same requests round-robin
  { name: 'send', path: '^src/send/' }, // the send workload: feeder, resume, outcomes, shards (main thread); send source, origin limiter, backoff (worker)
  { name: 'config', path: '^src/config/' }, // the options table, the config file, resolving options into engine settings and jobs
  { name: 'run', path: '^src/run/' }, // one module per command: resolve, supervise, report
  { name: 'cli', path: '^src/cli/' }, // the command line: parse, dispatch, render
  { name: 'api', path: '^src/index[.]ts$' } // the programmatic API
]

const upward = LAYERS.slice(0, -1).map((layer, i) => {
  const above = LAYERS.slice(i + 1)
  return {
    name: `no-upward-import-from-${layer.name}`,
    comment: `${layer.name} sits below ${above.map((l) => l.name).join(', ')}: it may not import from them (the layer order is in .dependency-cruiser.cjs)`,
    severity: 'error',
    from: { path: layer.path },
    to: { path: above.map((l) => l.path) }
  }
})

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'files that import each other, directly or around a loop: break the loop (move the shared part down, or pass it in)',
      severity: 'error',
      from: { path: '^src/' },
      to: { circular: true }
    },
    ...upward,
    {
      name: 'engine-imports-no-workload',
      comment: 'engine/ runs any workload and knows none: it imports nothing from load/, send/, webpush/ or input/ (workers import their workload by URL, see engine/workload.ts)',
      severity: 'error',
      from: { path: '^src/engine/' },
      to: { path: '^src/(load|send|webpush|input)/' }
    },
    {
      name: 'workloads-use-the-seam',
      comment: 'a workload reaches the engine through its seam only: import engine/workload.ts, not the engine\'s other files',
      severity: 'error',
      from: { path: '^src/(load|send)/' },
      to: { path: '^src/engine/', pathNot: '^src/engine/workload[.]ts$' }
    },
    {
      name: 'webpush-stays-protocol',
      comment: 'webpush/ is the protocol alone: it imports nothing from the engine, the command line or the configuration',
      severity: 'error',
      from: { path: '^src/webpush/' },
      to: { path: '^src/(engine|cli|config)/' }
    },
    {
      name: 'every-file-in-a-layer',
      comment: 'a file of src/ that no layer above names escapes every layer rule: add its folder to LAYERS',
      severity: 'error',
      from: { path: '^src/', pathNot: LAYERS.map((l) => l.path) },
      to: {}
    },
    {
      name: 'only-import-files-in-a-layer',
      comment: 'an import of a file of src/ that no layer above names: add its folder to LAYERS',
      severity: 'error',
      from: { path: '^src/' },
      to: { path: '^src/', pathNot: LAYERS.map((l) => l.path) }
    },
    {
      name: 'no-unresolvable',
      comment: 'an import that does not resolve to a file: every rule above would miss it',
      severity: 'error',
      from: { path: '^src/' },
      to: { couldNotResolve: true }
    }
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    // `import type` is an edge too: a layer must not know the types of a higher one either.
    tsPreCompilationDeps: true,
    // Resolves the `.js` specifiers of the sources to their `.ts` files.
    tsConfig: { fileName: 'tsconfig.json' }
  }
}
