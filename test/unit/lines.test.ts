import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { LineSplitter, openInput, readLines } from '../../src/input/lines.js'
import type { LineRecord } from '../../src/input/lines.js'

async function collect (chunks: Array<Buffer | string>, maxLineBytes?: number): Promise<LineRecord[]> {
  const out: LineRecord[] = []
  async function * source (): AsyncGenerator<Buffer | string> { yield * chunks }
  for await (const r of readLines(source(), { maxLineBytes })) out.push(r)
  return out
}

test('readLines numbers every physical line but yields only non-blank ones', async () => {
  const recs = await collect(['{"a":1}\n\n   \n\t\r\n{"b":2}\n'])
  assert.deepEqual(recs, [{ lineNo: 1, text: '{"a":1}' }, { lineNo: 5, text: '{"b":2}' }])
})

test('readLines strips a leading BOM only on the first line, and CR of CRLF endings', async () => {
  const recs = await collect(['\uFEFFa\r\nb\r\n\uFEFFc\r\n'])
  assert.deepEqual(recs, [{ lineNo: 1, text: 'a' }, { lineNo: 2, text: 'b' }, { lineNo: 3, text: '\uFEFFc' }])
  // Only one CR is a line terminator; an inner CR stays.
  assert.deepEqual(await collect(['x\ry\r\r\n']), [{ lineNo: 1, text: 'x\ry\r' }])
})

test('readLines handles a final line without newline and an empty input', async () => {
  assert.deepEqual(await collect(['a\nb']), [{ lineNo: 1, text: 'a' }, { lineNo: 2, text: 'b' }])
  assert.deepEqual(await collect(['a\nb\r']), [{ lineNo: 1, text: 'a' }, { lineNo: 2, text: 'b' }])
  assert.deepEqual(await collect([]), [])
  assert.deepEqual(await collect(['\n\n']), [])
})

test('readLines decodes per line, so a chunk boundary inside a UTF-8 character or BOM is harmless', async () => {
  const bytes = Buffer.from('\uFEFF{"t":"é€😀"}\r\nnext', 'utf8')
  for (let i = 0; i <= bytes.length; i++) {
    const recs = await collect([bytes.subarray(0, i), bytes.subarray(i)])
    assert.deepEqual(recs, [{ lineNo: 1, text: '{"t":"é€😀"}' }, { lineNo: 2, text: 'next' }], `split at ${i}`)
  }
})

test('readLines reports over-long lines with their size and carries on', async () => {
  const long = 'x'.repeat(25)
  const recs = await collect([`ok\n${long.slice(0, 7)}`, long.slice(7, 20), `${long.slice(20)}\r\nafter\n${long}`], 10)
  assert.deepEqual(recs, [
    { lineNo: 1, text: 'ok' },
    { lineNo: 2, error: 'line-too-long', bytes: 25 },
    { lineNo: 3, text: 'after' },
    { lineNo: 4, error: 'line-too-long', bytes: 25 }
  ])
})

test('maxLineBytes excludes the terminator, LF or CRLF', async () => {
  assert.deepEqual(await collect(['0123456789\r\n0123456789\n'], 10), [
    { lineNo: 1, text: '0123456789' }, { lineNo: 2, text: '0123456789' }
  ])
  assert.deepEqual(await collect(['0123456789a\r\n'], 10), [{ lineNo: 1, error: 'line-too-long', bytes: 11 }])
  assert.deepEqual(await collect(['0123456789', '\r', '\n'], 10), [{ lineNo: 1, text: '0123456789' }])
})

test('LineSplitter never holds more than maxLineBytes + 1 bytes of a line', () => {
  const s = new LineSplitter(1000)
  let peak = 0
  const out: LineRecord[] = []
  for (let i = 0; i < 100; i++) {
    s.push(Buffer.alloc(333, 0x61), out)
    peak = Math.max(peak, s.pendingBytes)
  }
  s.push('\nend', out)
  s.end(out)
  assert.ok(peak <= 1001, `peak ${peak}`)
  assert.deepEqual(out, [{ lineNo: 1, error: 'line-too-long', bytes: 33_300 }, { lineNo: 2, text: 'end' }])
})

test('LineSplitter refuses a nonsensical limit', () => {
  assert.throws(() => new LineSplitter(0), { code: 'NS_ERR_INVALID_OPTION' })
  assert.throws(() => new LineSplitter(1.5), { code: 'NS_ERR_INVALID_OPTION' })
})

test('openInput reads a file and fails early with NS_ERR_INPUT when it cannot', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'ns-lines-'))
  try {
    const file = join(dir, 'subs.ndjson')
    await writeFile(file, '{"a":1}\n{"b":2}')
    const recs: LineRecord[] = []
    for await (const r of readLines(await openInput(file))) recs.push(r)
    assert.deepEqual(recs, [{ lineNo: 1, text: '{"a":1}' }, { lineNo: 2, text: '{"b":2}' }])

    const missing = join(dir, 'nope.ndjson')
    await assert.rejects(openInput(missing), (err: Error & { code?: string }) => {
      assert.equal(err.code, 'NS_ERR_INPUT')
      assert.ok(err.message.includes(missing), err.message)
      assert.match(err.message, /no such file or directory \(ENOENT\)/)
      return true
    })
    await assert.rejects(openInput(dir), { code: 'NS_ERR_INPUT', message: /directory/ })
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
})

test('openInput("-") reads the given stdin stream, turning strings into Buffers', async () => {
  const chunks: Buffer[] = []
  for await (const c of await openInput('-', Readable.from(['a\n', 'b']))) chunks.push(c)
  assert.ok(chunks.every((c) => Buffer.isBuffer(c)))
  assert.equal(Buffer.concat(chunks).toString(), 'a\nb')
})

test('openInput turns a read error into NS_ERR_INPUT', async () => {
  const failing = new Readable({ read () { this.destroy(new Error('EIO: i/o error, read')) } })
  const iterable = await openInput('-', failing)
  await assert.rejects(async () => { for await (const c of iterable) assert.ok(c) }, { code: 'NS_ERR_INPUT', message: /stdin: i\/o error \(EIO\)/ })
})
