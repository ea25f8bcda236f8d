import { DecryptError, decryptPayload } from '../webpush/decrypt.js'
import { encodeBase64Url } from '../webpush/base64url.js'
import { vapidSignatureVerifications, VapidVerificationError, verifyVapidAuthorization } from '../webpush/vapid-verify.js'

// The expensive half of handling a push request, as one pure, synchronous function of plain data:
// the simulator runs it inline or in a piscina worker (verify-worker.ts), and sharing this one
// function is what keeps the two paths from diverging. Buffers may arrive as plain Uint8Arrays
// after a structured clone, so nothing here relies on Buffer-only methods of its inputs.

// Byte offset and length of the sender's public key (the aes128gcm keyid) in a Web Push body.
const KEYID_AT = 16 + 4 + 1
const KEYID_BYTES = 65

/** Everything {@link verifyAndDecrypt} needs about one request. */
export interface VerifyTask {
  /** The subscription's own keys (raw 32-byte private scalar, 65-byte public key, 16-byte auth). */
  keys: { privateKey: Uint8Array, publicKey: Uint8Array, auth: Uint8Array }
  /** The request body, or its first bytes when `tooLarge`. */
  body: Uint8Array
  /** The Authorization header value. */
  authorization: string
  /** The origin the VAPID `aud` claim must name. */
  audience: string
  /** The body exceeded the size limit (answer 413 once the token has been checked). */
  tooLarge: boolean
  /** The subscription is one of the sticky-expired ones (answer 410 once the token has been checked). */
  expired: boolean
  /** Clock for the `exp` check. */
  nowMs: number
}

/** Rejections {@link verifyAndDecrypt} can decide. */
export type VerifyRejection = 'badJwt' | 'sameKey' | 'tooLarge' | 'expired' | 'decryptFailed'

/** The outcome of {@link verifyAndDecrypt}; `verifications` counts real signature checks it made (0 or 1). */
export type VerifyResult =
  | { ok: true, plaintext: Uint8Array, vapidSubject: string, vapidPublicKey: string, verifications: number }
  | { ok: false, reason: VerifyRejection, message: string, verifications: number }

const asBuffer = (u: Uint8Array): Buffer => Buffer.isBuffer(u) ? u : Buffer.from(u.buffer, u.byteOffset, u.byteLength)

/**
 * Checks, in order: the VAPID token (403), that its key differs from the message's ECDH key (400,
 * RFC 8292 §3.2), the size limit (413), sticky expiry (410), then decrypts (400 on failure). Auth
 * comes first as at real push services; expiry is decided before decryption, which a push service
 * never does itself. Never throws for anything the request contains.
 */
export function verifyAndDecrypt (task: VerifyTask): VerifyResult {
  const before = vapidSignatureVerifications()
  const verifications = (): number => vapidSignatureVerifications() - before
  let vapid
  try {
    vapid = verifyVapidAuthorization(task.authorization, task.audience, task.nowMs)
  } catch (err) {
    const message = err instanceof VapidVerificationError ? err.message : 'VAPID: unusable Authorization header'
    return { ok: false, reason: 'badJwt', message, verifications: verifications() }
  }
  const body = asBuffer(task.body)
  if (body.length >= KEYID_AT + KEYID_BYTES && body[KEYID_AT - 1] === KEYID_BYTES &&
      vapid.publicKey.equals(body.subarray(KEYID_AT, KEYID_AT + KEYID_BYTES))) {
    return { ok: false, reason: 'sameKey', message: 'the VAPID key must differ from the message\'s ECDH key (RFC 8292 §3.2)', verifications: verifications() }
  }
  if (task.tooLarge) return { ok: false, reason: 'tooLarge', message: 'body exceeds 4096 bytes', verifications: verifications() }
  if (task.expired) return { ok: false, reason: 'expired', message: 'push subscription has unsubscribed or expired.', verifications: verifications() }
  let plaintext: Buffer
  try {
    plaintext = decryptPayload(body, {
      privateKey: asBuffer(task.keys.privateKey),
      publicKey: asBuffer(task.keys.publicKey),
      auth: asBuffer(task.keys.auth)
    })
  } catch (err) {
    // A TypeError would mean broken subscription keys, which derivation rules out; report it all the same.
    const message = err instanceof DecryptError ? err.message : `decryption failed: ${(err as Error).message}`
    return { ok: false, reason: 'decryptFailed', message, verifications: verifications() }
  }
  return {
    ok: true,
    plaintext,
    vapidSubject: vapid.claims.sub,
    vapidPublicKey: encodeBase64Url(vapid.publicKey),
    verifications: verifications()
  }
}
