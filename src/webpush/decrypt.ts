import { createDecipheriv, createECDH } from 'node:crypto'
import { AUTH_SECRET_BYTES, P256_PUBLIC_KEY_BYTES, SALT_BYTES, deriveContentKeys } from './ece-keys.js'

// RFC 8291 / RFC 8188 aes128gcm, receiver side: what a user agent does with a push message. Used by
// the push-service simulator and by tests, so it is strict and must turn any byte string into
// either a plaintext or a DecryptError; a TypeError means the caller passed unusable keys.

const TAG_BYTES = 16
const MIN_RECORD_SIZE = 18 // RFC 8188 §2.1: "Values smaller than 18 are invalid"
const FIXED_HEADER_BYTES = SALT_BYTES + 4 + 1

/** The body is not a well-formed aes128gcm Web Push message for these keys. */
export class DecryptError extends Error {
  constructor (message: string, options?: ErrorOptions) {
    super(`aes128gcm body: ${message}`, options)
    this.name = 'DecryptError'
  }
}

/** The subscriber's own key material: the raw 32-byte private scalar, its public key and the auth secret. */
export interface ReceiverPrivateKeys {
  privateKey: Buffer
  publicKey: Buffer
  auth: Buffer
}

/** Decrypts a single-record aes128gcm Web Push body and returns the plaintext without padding. */
export function decryptPayload (body: Buffer, receiver: ReceiverPrivateKeys): Buffer {
  const { privateKey, publicKey, auth } = receiver
  if (privateKey.length !== 32) throw new TypeError(`receiver privateKey must be 32 bytes, got ${privateKey.length}`)
  if (publicKey.length !== P256_PUBLIC_KEY_BYTES) throw new TypeError(`receiver publicKey must be 65 bytes, got ${publicKey.length}`)
  if (auth.length !== AUTH_SECRET_BYTES) throw new TypeError(`receiver auth must be 16 bytes, got ${auth.length}`)

  if (body.length < FIXED_HEADER_BYTES) {
    throw new DecryptError(`${body.length} bytes is shorter than the ${FIXED_HEADER_BYTES}-byte fixed header`)
  }
  const salt = body.subarray(0, SALT_BYTES)
  const rs = body.readUInt32BE(SALT_BYTES)
  const idlen = body[SALT_BYTES + 4] ?? 0
  if (rs < MIN_RECORD_SIZE) throw new DecryptError(`record size ${rs} is below the minimum of ${MIN_RECORD_SIZE}`)
  // RFC 8291 §4: the keyid carries the sender's uncompressed P-256 public key and nothing else.
  if (idlen !== P256_PUBLIC_KEY_BYTES) {
    throw new DecryptError(`keyid length is ${idlen}; Web Push requires the 65-byte sender public key`)
  }
  const headerBytes = FIXED_HEADER_BYTES + idlen
  if (body.length < headerBytes) {
    throw new DecryptError(`${body.length} bytes is shorter than the ${headerBytes}-byte header`)
  }
  const asPublic = body.subarray(FIXED_HEADER_BYTES, headerBytes)
  const record = body.subarray(headerBytes)
  if (record.length < TAG_BYTES + 1) {
    throw new DecryptError(`record is ${record.length} bytes; it needs at least a delimiter byte and the 16-byte tag`)
  }
  // A record may fill rs exactly when it is the last one, so only a longer body implies a second record.
  if (record.length > rs) {
    throw new DecryptError(`${record.length} bytes of records exceed the record size ${rs}; Web Push allows a single record`)
  }

  const ecdh = createECDH('prime256v1')
  try {
    ecdh.setPrivateKey(privateKey)
  } catch (err) {
    throw new TypeError('receiver privateKey is not a valid P-256 private key', { cause: err })
  }
  let secret: Buffer
  try {
    secret = ecdh.computeSecret(asPublic)
  } catch (err) {
    throw new DecryptError('keyid is not a valid P-256 public key', { cause: err })
  }
  const { cek, nonce } = deriveContentKeys(secret, auth, publicKey, asPublic, salt)

  const decipher = createDecipheriv('aes-128-gcm', cek, nonce)
  decipher.setAuthTag(record.subarray(record.length - TAG_BYTES))
  const padded = decipher.update(record.subarray(0, record.length - TAG_BYTES))
  try {
    decipher.final()
  } catch (err) {
    throw new DecryptError('authentication failed (wrong keys or corrupted body)', { cause: err })
  }

  let end = padded.length - 1
  while (end >= 0 && padded[end] === 0) end--
  if (end < 0) throw new DecryptError('record has no padding delimiter')
  const delimiter = padded[end]
  if (delimiter === 0x01) throw new DecryptError('record is not marked as the last one; multi-record bodies are not supported')
  if (delimiter !== 0x02) {
    throw new DecryptError(`padding delimiter is 0x${(delimiter ?? 0).toString(16).padStart(2, '0')}, expected 0x02`)
  }
  return padded.subarray(0, end)
}
