import neostandard from 'neostandard'

export default [
  ...neostandard({ ts: true, ignores: ['dist/**', 'node_modules/**', 'benchmarks/node_modules/**', 'benchmarks/results/**'] }),
  {
    rules: {
      'n/prefer-node-protocol': 'error',
      'n/no-process-exit': 'error',
      // `void promise` marks a deliberately un-awaited promise.
      'no-void': ['error', { allowAsStatement: true }]
    }
  }
]
