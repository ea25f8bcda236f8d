import { createHmac } from 'node:crypto'

// RFC 8291 §3.3-3.4 key schedule, shared by the sender (encrypt.ts) and the receiver (decrypt.ts).
//
// HKDF is spelled out as raw HMAC-SHA-256 calls because that is the cheapest route in Node
// (bench-baseline.md §6: 5 HMACs ≈ 16 µs vs 3 hkdfSync ≈ 46 µs): hkdfSync cannot extract once and
// expand twice. Every HKDF here asks for at most 32 bytes, so each expand is a single HMAC block.

/** Byte length of an uncompressed P-256 public key (0x04 || X || Y). */
export const P256_PUBLIC_KEY_BYTES = 65
/** Byte length of the subscription's auth secret (RFC 8291 §3.2). */
export const AUTH_SECRET_BYTES = 16
/** Byte length of the aes128gcm salt (RFC 8188 §2.1). */
export const SALT_BYTES = 16

const KEY_INFO_PREFIX = Buffer.from('WebPush: info\0', 'latin1')
const CEK_INFO = Buffer.from('Content-Encoding: aes128gcm\0\x01', 'latin1')
const NONCE_INFO = Buffer.from('Content-Encoding: nonce\0\x01', 'latin1')

// key_info || 0x01 is assembled in one module-level scratch buffer instead of a per-message concat;
// this is safe because deriveContentKeys is synchronous and each worker thread has its own module.
const UA_PUBLIC_AT = KEY_INFO_PREFIX.length
const AS_PUBLIC_AT = UA_PUBLIC_AT + P256_PUBLIC_KEY_BYTES
const keyInfo = Buffer.alloc(AS_PUBLIC_AT + P256_PUBLIC_KEY_BYTES + 1)
KEY_INFO_PREFIX.copy(keyInfo, 0)
keyInfo[keyInfo.length - 1] = 0x01

/** The AES-128-GCM content-encryption key and nonce of one aes128gcm record. */
export interface ContentKeys {
  cek: Buffer
  nonce: Buffer
}

/**
 * Derives CEK and NONCE from the ECDH secret. `uaPublic` is the subscriber's (receiver's) key,
 * `asPublic` the sender's ephemeral key; both 65 bytes, validated by the caller.
 */
export function deriveContentKeys (ecdhSecret: Buffer, auth: Buffer, uaPublic: Buffer, asPublic: Buffer, salt: Buffer): ContentKeys {
  const prkKey = createHmac('sha256', auth).update(ecdhSecret).digest()
  uaPublic.copy(keyInfo, UA_PUBLIC_AT)
  asPublic.copy(keyInfo, AS_PUBLIC_AT)
  const ikm = createHmac('sha256', prkKey).update(keyInfo).digest()
  const prk = createHmac('sha256', salt).update(ikm).digest()
  return {
    cek: createHmac('sha256', prk).update(CEK_INFO).digest().subarray(0, 16),
    // The record sequence number is 0 for the single record Web Push allows, so the XOR of
    // RFC 8188 §2.3 is a no-op and the derived value is the nonce itself.
    nonce: createHmac('sha256', prk).update(NONCE_INFO).digest().subarray(0, 12)
  }
}
