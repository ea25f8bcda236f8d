import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { createECDH, randomBytes } from 'node:crypto'
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { formatVapidKeysJson, generateVapidKeys, getRawPrivateKey, loadVapidKeys } from '../../src/webpush/keys.js'
import type { LoadVapidKeysOptions } from '../../src/webpush/keys.js'
import { VapidSigner, assertVapidKeyPair } from '../../src/webpush/vapid.js'

let dir = ''
const keys = generateVapidKeys()
const other = generateVapidKeys()
const SUBJECT = 'mailto:ops@example.com'

before(async () => { dir = await mkdtemp(join(tmpdir(), 'notify-sender-keys-')) })
after(async () => { await rm(dir, { recursive: true, force: true }) })

async function keyFile (name: string, content: string, mode = 0o600): Promise<string> {
  const path = join(dir, name)
  await writeFile(path, content, { mode })
  await chmod(path, mode) // writeFile's mode is filtered by the umask
  return path
}

/** Asserts a NS_ERR_SECRET whose message matches and contains no private key from this file. */
async function expectSecretError (opts: LoadVapidKeysOptions, message: RegExp): Promise<void> {
  await assert.rejects(loadVapidKeys(opts), (err: unknown) => {
    assert.equal((err as { code?: unknown }).code, 'NS_ERR_SECRET', String(err))
    const text = (err as Error).message
    assert.match(text, message)
    for (const k of [keys.privateKey, other.privateKey]) {
      assert.ok(!text.includes(k) && !text.includes(k.slice(0, 12)), `message leaks a private key: ${text}`)
    }
    return true
  })
}

test('generateVapidKeys returns a matching P-256 pair in base64url', () => {
  const pub = Buffer.from(keys.publicKey, 'base64url')
  const priv = Buffer.from(keys.privateKey, 'base64url')
  assert.match(keys.publicKey, /^[\w-]{87}$/)
  assert.match(keys.privateKey, /^[\w-]{43}$/)
  assert.equal(pub.length, 65)
  assert.equal(pub[0], 0x04)
  assert.equal(priv.length, 32)
  assert.doesNotThrow(() => assertVapidKeyPair(pub, priv, 'test'))
  assert.notEqual(keys.privateKey, other.privateKey)
})

test('getRawPrivateKey restores the leading zero bytes getPrivateKey drops', () => {
  const scalar = Buffer.concat([Buffer.from([0]), randomBytes(31)])
  scalar[1] = (scalar[1] ?? 0) | 1
  const ecdh = createECDH('prime256v1')
  ecdh.setPrivateKey(scalar)
  assert.equal(ecdh.getPrivateKey().length, 31)
  assert.deepEqual(getRawPrivateKey(ecdh), scalar)
})

test('formatVapidKeysJson output loads back, with the subject when given', async () => {
  const text = formatVapidKeysJson({ ...keys, subject: SUBJECT })
  assert.ok(text.endsWith('}\n'))
  assert.deepEqual(JSON.parse(text), { publicKey: keys.publicKey, privateKey: keys.privateKey, subject: SUBJECT })
  assert.deepEqual(Object.keys(JSON.parse(formatVapidKeysJson(keys))), ['publicKey', 'privateKey'])
  const loaded = await loadVapidKeys({ file: await keyFile('roundtrip.json', text), env: {} })
  assert.deepEqual(loaded.publicKey, Buffer.from(keys.publicKey, 'base64url'))
  assert.deepEqual(loaded.privateKey, Buffer.from(keys.privateKey, 'base64url'))
  assert.equal(loaded.subject, SUBJECT)
  assert.deepEqual(loaded.warnings, [])
  assert.equal(new VapidSigner(loaded).signatures, 0)
})

test('subject precedence: --subject, then the file, then NOTIFY_SENDER_VAPID_SUBJECT', async () => {
  const withSubject = await keyFile('with-subject.json', formatVapidKeysJson({ ...keys, subject: SUBJECT }))
  const without = await keyFile('without-subject.json', formatVapidKeysJson(keys))
  const env = { NOTIFY_SENDER_VAPID_SUBJECT: 'https://example.com/contact' }
  assert.equal((await loadVapidKeys({ file: withSubject, env, subject: 'mailto:cli@example.com' })).subject, 'mailto:cli@example.com')
  assert.equal((await loadVapidKeys({ file: withSubject, env })).subject, SUBJECT)
  assert.equal((await loadVapidKeys({ file: without, env })).subject, 'https://example.com/contact')
  await assert.rejects(loadVapidKeys({ file: withSubject, env, subject: 'mailto: cli@example.com' }), { code: 'NS_ERR_INVALID_OPTION', message: /--subject/ })
})

test('loads from the environment when no file is given', async () => {
  const loaded = await loadVapidKeys({
    env: {
      NOTIFY_SENDER_VAPID_PRIVATE_KEY: ` ${keys.privateKey}\n`,
      NOTIFY_SENDER_VAPID_PUBLIC_KEY: keys.publicKey,
      NOTIFY_SENDER_VAPID_SUBJECT: SUBJECT
    }
  })
  assert.deepEqual(loaded.privateKey, Buffer.from(keys.privateKey, 'base64url'))
  assert.equal(loaded.subject, SUBJECT)
  assert.deepEqual(loaded.warnings, [])
})

test('warns when the key file is readable or writable by other users', { skip: process.platform === 'win32' }, async () => {
  const readable = await keyFile('readable.json', formatVapidKeysJson({ ...keys, subject: SUBJECT }), 0o644)
  const { warnings } = await loadVapidKeys({ file: readable, env: {} })
  assert.deepEqual(warnings, [`${readable} is readable by other users (mode 644); chmod 600 it`])
  const writable = await keyFile('writable.json', formatVapidKeysJson({ ...keys, subject: SUBJECT }), 0o620)
  assert.match((await loadVapidKeys({ file: writable, env: {} })).warnings[0] ?? '', /is writable by other users \(mode 620\)/)
})

test('every key-file problem is a NS_ERR_SECRET naming the file and field, never the key', async () => {
  const json = (o: Record<string, unknown>): string => JSON.stringify({ subject: SUBJECT, ...o })
  const file = async (name: string, content: string): Promise<LoadVapidKeysOptions> => ({ file: await keyFile(name, content), env: {} })
  const missing = join(dir, 'nope.json')
  await expectSecretError({ file: missing, env: {} }, new RegExp(`VAPID key file ${missing} does not exist`))
  const sub = join(dir, 'a-directory')
  await mkdir(sub)
  await expectSecretError({ file: sub, env: {} }, /a-directory is not a regular file/)
  await expectSecretError(await file('bad.json', `{"privateKey": "${keys.privateKey}", oops}`), /bad\.json is not valid JSON$/)
  await expectSecretError(await file('array.json', `["${keys.privateKey}"]`), /must hold a JSON object with "publicKey" and "privateKey"/)
  await expectSecretError(await file('no-priv.json', json({ publicKey: keys.publicKey })), /"privateKey" in VAPID key file .*no-priv\.json is missing/)
  await expectSecretError(await file('no-pub.json', json({ privateKey: keys.privateKey })), /"publicKey" in VAPID key file .*no-pub\.json is missing/)
  await expectSecretError(await file('num.json', json({ ...keys, privateKey: 42 })), /"privateKey" in .* must be a base64url string/)
  await expectSecretError(await file('b64.json', json({ ...keys, privateKey: keys.privateKey.slice(0, 20) + '!' + keys.privateKey.slice(21) })),
    /"privateKey" in .* is not valid base64url: character at index 20/)
  await expectSecretError(await file('short.json', json({ ...keys, privateKey: keys.privateKey.slice(0, 42) })), /"privateKey" in .* must decode to 32 bytes, got 31/)
  await expectSecretError(await file('short-pub.json', json({ ...keys, publicKey: keys.publicKey.slice(0, 86) })), /"publicKey" in .* must decode to 65 bytes, got 64/)
  await expectSecretError(await file('mismatch.json', json({ ...keys, privateKey: other.privateKey })), /mismatch\.json: the VAPID public key does not belong to the private key/)
  await expectSecretError(await file('zero.json', json({ ...keys, privateKey: Buffer.alloc(32).toString('base64url') })), /not a valid P-256 private key/)
  await expectSecretError(await file('nosubject.json', formatVapidKeysJson(keys)), /no VAPID subject for VAPID key file .*nosubject\.json: pass --subject/)
  await expectSecretError(await file('badsubject.json', json({ ...keys, subject: 'mailto:ops@localhost' })), /"subject" in VAPID key file .* must not be an @localhost address/)
  await expectSecretError(await file('numsubject.json', json({ ...keys, subject: 7 })), /"subject" in .* must be a string/)
})

test('an unreadable key file is reported as such', { skip: process.platform === 'win32' || process.getuid?.() === 0 }, async () => {
  const path = await keyFile('locked.json', formatVapidKeysJson(keys), 0o000)
  await expectSecretError({ file: path, env: {} }, /locked\.json cannot be read: permission denied/)
})

test('every environment problem is a NS_ERR_SECRET naming the variable, never the key', async () => {
  const env = (o: Partial<Record<string, string>>): LoadVapidKeysOptions => ({
    env: { NOTIFY_SENDER_VAPID_PUBLIC_KEY: keys.publicKey, NOTIFY_SENDER_VAPID_PRIVATE_KEY: keys.privateKey, NOTIFY_SENDER_VAPID_SUBJECT: SUBJECT, ...o }
  })
  await expectSecretError({ env: {} }, /no VAPID keys: .*NOTIFY_SENDER_VAPID_PRIVATE_KEY and NOTIFY_SENDER_VAPID_PUBLIC_KEY/)
  await expectSecretError({ env: { NOTIFY_SENDER_VAPID_PRIVATE_KEY: keys.privateKey } }, /^NOTIFY_SENDER_VAPID_PUBLIC_KEY is missing$/)
  await expectSecretError({ env: { NOTIFY_SENDER_VAPID_PUBLIC_KEY: keys.publicKey } }, /^NOTIFY_SENDER_VAPID_PRIVATE_KEY is missing$/)
  await expectSecretError(env({ NOTIFY_SENDER_VAPID_PRIVATE_KEY: other.privateKey }),
    /^NOTIFY_SENDER_VAPID_PRIVATE_KEY\/NOTIFY_SENDER_VAPID_PUBLIC_KEY: the VAPID public key does not belong to the private key$/)
  await expectSecretError(env({ NOTIFY_SENDER_VAPID_PRIVATE_KEY: `${keys.privateKey}==` }), /NOTIFY_SENDER_VAPID_PRIVATE_KEY is not valid base64url/)
  await expectSecretError(env({ NOTIFY_SENDER_VAPID_SUBJECT: '' }), /no VAPID subject for NOTIFY_SENDER_VAPID_PRIVATE_KEY.*set NOTIFY_SENDER_VAPID_SUBJECT/)
  await expectSecretError(env({ NOTIFY_SENDER_VAPID_SUBJECT: 'ops@example.com' }), /^NOTIFY_SENDER_VAPID_SUBJECT must be a mailto: address/)
})
