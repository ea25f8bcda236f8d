import { test } from 'node:test'
import assert from 'node:assert/strict'
import { startLoad } from '../../src/run/load.js'
import { bounded } from '../helpers/bounded.js'
import { startH1Server } from '../helpers/servers.js'

test('a stop that arrives while the workers are starting sends nothing and reports the interrupt', { timeout: 30_000 }, async () => {
  const server = await startH1Server({ status: 200 })
  try {
    const handle = startLoad({ urls: [server.url], workers: 1, duration: '30s', grace: '200ms', logLevel: 'silent' })
    // run() has spawned the worker but it is not ready yet: 'stop' reaches it before 'start' does.
    handle.stop('SIGTERM')
    const report = await bounded(handle.done, 'interrupted run', 20_000)
    assert.equal(report.interrupted, 'SIGTERM')
    assert.equal(report.exitCode, 143)
    // The worker used to start its loop anyway and send, until killed grace + 2 s later, requests that no
    // report counted.
    assert.equal(report.requests.started, 0)
    assert.equal(server.stats.requests, 0)
  } finally {
    await bounded(server.close(), 'server close')
  }
})
