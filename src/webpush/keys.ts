import { constants as fsConstants } from 'node:fs'
import { open } from 'node:fs/promises'
import { createECDH } from 'node:crypto'
import type { ECDH } from 'node:crypto'
import { SecretError } from '../errors.js'
import { decodeBase64Url, encodeBase64Url } from './base64url.js'
import { assertVapidKeyPair, validateSubject, vapidSubjectProblem } from './vapid.js'

// VAPID key generation and loading. Keys come from a file or the environment, never from argv
// (argv shows up in `ps`). No error message may contain key material: messages name the source and
// the field, and parser errors (whose text can quote the input) are never passed through.

/** Environment variable holding the base64url VAPID private key. */
export const ENV_VAPID_PRIVATE_KEY = 'NOTIFY_SENDER_VAPID_PRIVATE_KEY'
/** Environment variable holding the base64url VAPID public key. */
export const ENV_VAPID_PUBLIC_KEY = 'NOTIFY_SENDER_VAPID_PUBLIC_KEY'
/** Environment variable holding the VAPID subject (mailto: or https:). */
export const ENV_VAPID_SUBJECT = 'NOTIFY_SENDER_VAPID_SUBJECT'

const MAX_KEY_FILE_BYTES = 64 * 1024

/** A VAPID key pair as base64url strings, the form `notify-sender keys` prints. */
export interface VapidKeyStrings {
  publicKey: string
  privateKey: string
}

/** Where {@link loadVapidKeys} looks for keys; `subject` (from --subject) overrides any stored one. */
export interface LoadVapidKeysOptions {
  file?: string | undefined
  env: NodeJS.ProcessEnv
  subject?: string | undefined
}

/** Decoded VAPID keys ready for VapidSigner, plus warnings to show the user (e.g. file permissions). */
export interface LoadedVapidKeys {
  publicKey: Buffer
  privateKey: Buffer
  subject: string
  warnings: string[]
}

/**
 * The 32-byte raw private key of an ECDH object. getPrivateKey() drops leading zero bytes (about
 * one key in 256 comes back shorter), which other tools then reject as a wrong-length key.
 */
export function getRawPrivateKey (ecdh: ECDH): Buffer {
  const key = ecdh.getPrivateKey()
  if (key.length === 32) return key
  const padded = Buffer.alloc(32)
  key.copy(padded, 32 - key.length)
  return padded
}

/** Generates a new VAPID key pair (P-256): 65-byte uncompressed public key, 32-byte private key. */
export function generateVapidKeys (): VapidKeyStrings {
  const ecdh = createECDH('prime256v1')
  const publicKey = ecdh.generateKeys()
  return { publicKey: encodeBase64Url(publicKey), privateKey: encodeBase64Url(getRawPrivateKey(ecdh)) }
}

/** Pretty JSON for `notify-sender keys`; {@link loadVapidKeys} reads the same format back. */
export function formatVapidKeysJson (keys: VapidKeyStrings & { subject?: string | undefined }): string {
  const out: Record<string, string> = { publicKey: keys.publicKey, privateKey: keys.privateKey }
  if (keys.subject !== undefined) out.subject = keys.subject
  return JSON.stringify(out, null, 2) + '\n'
}

interface Field {
  value: unknown
  name: string
}

function decodeKey (field: Field, bytes: number): Buffer {
  if (field.value === undefined || field.value === '') throw new SecretError(`${field.name} is missing`)
  if (typeof field.value !== 'string') throw new SecretError(`${field.name} must be a base64url string`)
  let key: Buffer
  try {
    key = decodeBase64Url(field.value.trim(), field.name)
  } catch (err) {
    throw new SecretError((err as Error).message)
  }
  if (key.length !== bytes) throw new SecretError(`${field.name} must decode to ${bytes} bytes, got ${key.length}`)
  return key
}

function fsProblem (err: unknown): string {
  switch ((err as NodeJS.ErrnoException).code) {
    case 'ENOENT': return 'does not exist'
    case 'EACCES': case 'EPERM': return 'cannot be read: permission denied'
    case 'EISDIR': return 'is a directory'
    default: return `cannot be read (${(err as NodeJS.ErrnoException).code ?? 'unknown error'})`
  }
}

async function readKeyFile (path: string): Promise<{ text: string, mode: number }> {
  // O_NONBLOCK keeps a FIFO passed by mistake from hanging the open; it is a no-op for regular files.
  const fh = await open(path, fsConstants.O_RDONLY | (fsConstants.O_NONBLOCK ?? 0)).catch((err: unknown) => {
    throw new SecretError(`VAPID key file ${path} ${fsProblem(err)}`)
  })
  try {
    const st = await fh.stat()
    if (!st.isFile()) throw new SecretError(`VAPID key file ${path} is not a regular file`)
    if (st.size > MAX_KEY_FILE_BYTES) throw new SecretError(`VAPID key file ${path} is ${st.size} bytes, too large for a key file`)
    return { text: await fh.readFile({ encoding: 'utf8' }), mode: st.mode }
  } catch (err) {
    if (err instanceof SecretError) throw err
    throw new SecretError(`VAPID key file ${path} ${fsProblem(err)}`)
  } finally {
    await fh.close()
  }
}

async function readFileSource (path: string, warnings: string[]): Promise<{ pub: Field, priv: Field, subject: Field }> {
  const { text, mode } = await readKeyFile(path)
  if (process.platform !== 'win32' && (mode & 0o066) !== 0) {
    const how = (mode & 0o044) !== 0 ? 'readable' : 'writable'
    warnings.push(`${path} is ${how} by other users (mode ${(mode & 0o777).toString(8)}); chmod 600 it`)
  }
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch {
    throw new SecretError(`VAPID key file ${path} is not valid JSON`)
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new SecretError(`VAPID key file ${path} must hold a JSON object with "publicKey" and "privateKey"`)
  }
  const obj = json as Record<string, unknown>
  return {
    pub: { value: obj.publicKey, name: `"publicKey" in VAPID key file ${path}` },
    priv: { value: obj.privateKey, name: `"privateKey" in VAPID key file ${path}` },
    subject: { value: obj.subject, name: `"subject" in VAPID key file ${path}` }
  }
}

/**
 * Loads the VAPID key pair from `file` when given, else from the NOTIFY_SENDER_VAPID_* environment
 * variables. The subject is, in order: `subject`, the file's "subject", NOTIFY_SENDER_VAPID_SUBJECT.
 * Every failure is a SecretError naming the source, never the key.
 */
export async function loadVapidKeys (opts: LoadVapidKeysOptions): Promise<LoadedVapidKeys> {
  const { env } = opts
  const warnings: string[] = []
  const envSubject: Field = { value: env[ENV_VAPID_SUBJECT], name: ENV_VAPID_SUBJECT }
  let pub: Field, priv: Field, subject: Field, source: string
  if (opts.file !== undefined) {
    ({ pub, priv, subject } = await readFileSource(opts.file, warnings))
    if (subject.value === undefined) subject = envSubject
    source = `VAPID key file ${opts.file}`
  } else {
    if ((env[ENV_VAPID_PRIVATE_KEY] ?? '') === '' && (env[ENV_VAPID_PUBLIC_KEY] ?? '') === '') {
      throw new SecretError(`no VAPID keys: give a key file (create one with \`notify-sender keys\`) or set ${ENV_VAPID_PRIVATE_KEY} and ${ENV_VAPID_PUBLIC_KEY}`)
    }
    pub = { value: env[ENV_VAPID_PUBLIC_KEY], name: ENV_VAPID_PUBLIC_KEY }
    priv = { value: env[ENV_VAPID_PRIVATE_KEY], name: ENV_VAPID_PRIVATE_KEY }
    subject = envSubject
    source = `${ENV_VAPID_PRIVATE_KEY}/${ENV_VAPID_PUBLIC_KEY}`
  }
  const privateKey = decodeKey(priv, 32)
  const publicKey = decodeKey(pub, 65)
  assertVapidKeyPair(publicKey, privateKey, source)

  if (opts.subject !== undefined) {
    validateSubject(opts.subject)
    return { publicKey, privateKey, subject: opts.subject, warnings }
  }
  if (subject.value === undefined || subject.value === '') {
    const where = opts.file !== undefined ? `add "subject" to ${opts.file}, ` : ''
    throw new SecretError(`no VAPID subject for ${source}: pass --subject mailto:you@example.com, ${where}or set ${ENV_VAPID_SUBJECT}`)
  }
  if (typeof subject.value !== 'string') throw new SecretError(`${subject.name} must be a string`)
  const problem = vapidSubjectProblem(subject.value)
  if (problem !== undefined) throw new SecretError(`${subject.name} ${problem}`)
  return { publicKey, privateKey, subject: subject.value, warnings }
}
