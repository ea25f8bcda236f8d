import { createECDH, randomBytes } from 'node:crypto'
import type { ECDH } from 'node:crypto'
import { getRawPrivateKey } from '../../src/webpush/keys.js'

/** A fresh browser-side subscription: the keys a user agent keeps and the ones it hands out. */
export interface TestSubscriber {
  ecdh: ECDH
  p256dh: Buffer
  privateKey: Buffer
  auth: Buffer
}

/** Creates a subscriber with a new P-256 key pair and a random 16-byte auth secret. */
export function makeSubscriber (): TestSubscriber {
  const ecdh = createECDH('prime256v1')
  const p256dh = ecdh.generateKeys()
  return { ecdh, p256dh, privateKey: getRawPrivateKey(ecdh), auth: randomBytes(16) }
}
