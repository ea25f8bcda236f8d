import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createRequire } from 'node:module'
import * as api from '../../src/index.js'
import { repoRoot } from '../helpers/paths.js'

test('the package entry point exposes the documented API and nothing deep', async () => {
  for (const name of ['runLoad', 'startLoad', 'runSend', 'startSend', 'startSimulator', 'generateVapidKeys', 'encryptPayload', 'VapidSigner', 'mergeHistograms', 'shardOfKey', 'shardSqlPredicate', 'mergeReports', 'readReportFile', 'NotifySenderError', 'isUsageError']) {
    assert.equal(typeof (api as Record<string, unknown>)[name], 'function', name)
  }
  // Importing by package name resolves through package.json "exports" to the same module.
  const require = createRequire(repoRoot + '/')
  const resolved = require.resolve('notify-sender')
  assert.match(resolved, /dist\/src\/index\.js$/)
  // A computed specifier: the type-check must not depend on dist/ existing (the first build creates it).
  const pkg: string = 'notify-sender'
  const byName = await import(pkg) as typeof api
  assert.equal(byName.runLoad, api.runLoad)
  assert.throws(() => require.resolve('notify-sender/dist/src/engine/loop.js'), { code: 'ERR_PACKAGE_PATH_NOT_EXPORTED' })
})

test('programmatic errors carry stable codes', async () => {
  await assert.rejects(api.runLoad({ urls: ['http://127.0.0.1:1/'], rate: -1 }), (err: unknown) => {
    assert.ok(err instanceof api.NotifySenderError)
    assert.equal(err.code, 'NS_ERR_INVALID_OPTION')
    assert.equal(api.isUsageError(err), true)
    return true
  })
})
