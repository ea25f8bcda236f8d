import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createSocket } from 'node:dgram'
import { promises as dnsPromises } from 'node:dns'
import fc from 'fast-check'
import { bounded } from '../helpers/bounded.js'
import dnsPacket from 'dns-packet'
import { startDnsServer } from '../helpers/dns-server.js'
import type { DnsServer } from '../helpers/dns-server.js'

const T = { timeout: 60_000 }

/** An A query for `name`, as a stub resolver sends it. */
function encodeQuery (id: number, name: string): Buffer {
  return dnsPacket.encode({ id, type: 'query', flags: dnsPacket.RECURSION_DESIRED, questions: [{ name, type: 'A' }] })
}

function resolverFor (server: DnsServer): dnsPromises.Resolver {
  // One try with a short timeout: a dropped answer must fail the test, not retry quietly.
  const resolver = new dnsPromises.Resolver({ timeout: 2000, tries: 1 })
  resolver.setServers([server.address])
  return resolver
}

async function withDns (records: Parameters<typeof startDnsServer>[0], fn: (server: DnsServer) => Promise<void>): Promise<void> {
  const server = await startDnsServer(records)
  try {
    await fn(server)
  } finally {
    await bounded(server.close(), 'dns close')
  }
}

test('A and AAAA answers with their TTL', T, async () => {
  await withDns({
    'push.test': { A: ['127.0.0.1', '127.0.0.2', '127.0.0.3'], AAAA: ['::1'], ttl: 42 },
    'Mixed.Case.test.': { A: ['127.0.0.9'] }
  }, async (server) => {
    assert.match(server.address, /^127\.0\.0\.1:\d+$/)
    assert.equal(server.address, `127.0.0.1:${server.port}`)
    const resolver = resolverFor(server)
    assert.deepEqual(await bounded(resolver.resolve4('push.test', { ttl: true }), 'resolve4'), [
      { address: '127.0.0.1', ttl: 42 },
      { address: '127.0.0.2', ttl: 42 },
      { address: '127.0.0.3', ttl: 42 }
    ])
    assert.deepEqual(await bounded(resolver.resolve6('push.test', { ttl: true }), 'resolve6'), [{ address: '::1', ttl: 42 }])
    // Names match case-insensitively, with or without the trailing dot; the default TTL is 60.
    assert.deepEqual(await bounded(resolver.resolve4('mixed.CASE.test.', { ttl: true }), 'case'), [{ address: '127.0.0.9', ttl: 60 }])
    assert.equal(server.queries, 3)
    assert.equal(server.queriesByName.get('push.test'), 2)
    assert.equal(server.queriesByName.get('mixed.case.test'), 1)
  })
})

test('unknown names are NXDOMAIN (ENOTFOUND); a known name without the type is empty (ENODATA)', T, async () => {
  await withDns({ 'v4only.test': { A: ['127.0.0.1'] } }, async (server) => {
    const resolver = resolverFor(server)
    await assert.rejects(bounded(resolver.resolve4('missing.test'), 'nxdomain'), { code: 'ENOTFOUND' })
    await assert.rejects(bounded(resolver.resolve6('v4only.test'), 'nodata'), { code: 'ENODATA' })
  })
})

test('setRecords changes answers and can remove a name', T, async () => {
  await withDns({ 'push.test': { A: ['127.0.0.1'], ttl: 30 } }, async (server) => {
    const resolver = resolverFor(server)
    assert.deepEqual(await bounded(resolver.resolve4('push.test', { ttl: true }), 'before'), [{ address: '127.0.0.1', ttl: 30 }])
    server.setRecords('push.test', { A: ['127.0.0.2', '127.0.0.3'], ttl: 1 })
    assert.deepEqual(await bounded(resolver.resolve4('push.test', { ttl: true }), 'after'), [
      { address: '127.0.0.2', ttl: 1 },
      { address: '127.0.0.3', ttl: 1 }
    ])
    server.setRecords('new.test', { AAAA: ['::1'] })
    assert.deepEqual(await bounded(resolver.resolve6('new.test'), 'added'), ['::1'])
    server.setRecords('push.test', undefined)
    await assert.rejects(bounded(resolver.resolve4('push.test'), 'removed'), { code: 'ENOTFOUND' })
    assert.throws(() => server.setRecords('bad.test', { A: ['::1'] }), /IPv4/)
    assert.throws(() => server.setRecords('bad.test', { AAAA: ['127.0.0.1'] }), /IPv6/)
  })
})

test('random datagrams never crash the server; it answers a valid query after each', T, async () => {
  await withDns({ 'alive.test': { A: ['127.0.0.1'] } }, async (server) => {
    const junk = createSocket('udp4')
    const probe = createSocket('udp4')
    // Replies to junk that happens to parse land on their own socket and are ignored.
    junk.on('message', () => {})
    let onAnswer: ((msg: Buffer) => void) | undefined
    probe.on('message', (msg) => onAnswer?.(msg))
    await Promise.all([junk, probe].map((s) => new Promise<void>((resolve) => s.bind(0, '127.0.0.1', resolve))))
    const send = (socket: typeof junk, bytes: Uint8Array): Promise<void> => new Promise((resolve, reject) => {
      socket.send(bytes, server.port, '127.0.0.1', (err) => (err === null ? resolve() : reject(err)))
    })
    let id = 0
    try {
      await fc.assert(fc.asyncProperty(
        fc.oneof(
          fc.uint8Array({ maxLength: 600 }),
          // Valid headers with corrupted bodies reach deeper into the parser than pure noise.
          fc.tuple(fc.nat(0xffff), fc.uint8Array({ minLength: 1, maxLength: 60 })).map(([qid, tail]) => {
            const q = encodeQuery(qid, 'alive.test')
            return Uint8Array.from([...q.subarray(0, 12), ...tail])
          })
        ),
        async (bytes) => {
          await send(junk, bytes)
          id = (id + 1) & 0xffff
          const answered = new Promise<Buffer>((resolve) => { onAnswer = resolve })
          await send(probe, encodeQuery(id, 'alive.test'))
          const answer = await bounded(answered, 'answer to the probe', 2000)
          assert.equal(answer.readUInt16BE(0), id)
          assert.equal(answer.readUInt16BE(2) & 0x0f, 0, 'NOERROR')
          assert.equal(answer.readUInt16BE(6), 1, 'one answer')
        }
      ), { numRuns: 200 })
      // A real resolver still gets through afterwards.
      assert.deepEqual(await bounded(resolverFor(server).resolve4('alive.test'), 'resolve after fuzzing'), ['127.0.0.1'])
    } finally {
      junk.close()
      probe.close()
    }
  })
})

test('close() is idempotent and the port stops answering', T, async () => {
  const server = await startDnsServer({ 'x.test': { A: ['127.0.0.1'] } })
  const resolver = resolverFor(server)
  await bounded(resolver.resolve4('x.test'), 'before close')
  await bounded(server.close(), 'close')
  await bounded(server.close(), 'second close')
  await assert.rejects(bounded(resolver.resolve4('x.test'), 'after close'), { code: /ECONNREFUSED|ETIMEOUT/ })
})

test('records are validated up front', T, async () => {
  await assert.rejects(startDnsServer({ 'x.test': { A: ['not-an-ip'] } }), /IPv4/)
  await assert.rejects(startDnsServer({ 'x.test': { A: ['127.0.0.1'], ttl: -1 } }), /ttl/)
})

test('an answer that would not fit in 512 bytes goes out empty with TC set', T, async () => {
  const many = Array.from({ length: 40 }, (_, i) => `127.0.1.${i + 1}`)
  await withDns({ 'big.test': { A: many } }, async (server) => {
    const socket = createSocket('udp4')
    try {
      const answered = new Promise<Buffer>((resolve) => socket.once('message', resolve))
      socket.send(encodeQuery(9, 'big.test'), server.port, '127.0.0.1')
      const reply = dnsPacket.decode(await bounded(answered, 'truncated answer', 2000))
      assert.equal(reply.id, 9)
      assert.equal(reply.flag_tc, true)
      assert.equal(reply.flag_aa, true)
      assert.deepEqual(reply.answers, [])
    } finally {
      socket.close()
    }
  })
})
