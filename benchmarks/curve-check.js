#!/usr/bin/env node
// Compares ways to check that a subscription's p256dh is a point on P-256 (run `npm run build` first).
// Prints µs per check for valid and invalid keys. Not a test: numbers depend on the machine.
import { ECDH, createECDH, createPublicKey } from 'node:crypto'
import { isP256Point } from '../dist/src/webpush/p256.js'

const SPKI_P256_PREFIX = Buffer.from('3059301306072a8648ce3d020106082a8648ce3d030107034200', 'hex')
const attempt = (fn) => (k) => { try { fn(k); return true } catch { return false } }
const candidates = {
  'BigInt y² = x³ - 3x + b (chosen)': isP256Point,
  'ECDH.convertKey(..., compressed)': attempt((k) => ECDH.convertKey(k, 'prime256v1', undefined, undefined, 'compressed')),
  'createPublicKey(jwk)': attempt((k) => createPublicKey({
    key: { kty: 'EC', crv: 'P-256', x: k.subarray(1, 33).toString('base64url'), y: k.subarray(33).toString('base64url') },
    format: 'jwk'
  })),
  'createPublicKey(spki der)': attempt((k) => createPublicKey({ key: Buffer.concat([SPKI_P256_PREFIX, k]), format: 'der', type: 'spki' }))
}

const valid = Array.from({ length: 64 }, () => createECDH('prime256v1').generateKeys())
const offCurve = Buffer.concat([Buffer.from([4]), Buffer.alloc(64, 1)])
const yPlusOne = Buffer.from(valid[0]); yPlusOne[64] ^= 1

function time (fn, keys, n) {
  for (let i = 0; i < n / 10; i++) fn(keys[i % keys.length])
  const t0 = process.hrtime.bigint()
  for (let i = 0; i < n; i++) fn(keys[i % keys.length])
  return Number(process.hrtime.bigint() - t0) / n / 1000
}

for (const [name, fn] of Object.entries(candidates)) {
  const agrees = fn(valid[0]) && !fn(offCurve) && !fn(yPlusOne)
  const n = 20_000
  console.log(`${name.padEnd(36)} valid ${time(fn, valid, n).toFixed(2).padStart(7)} µs   invalid ${time(fn, [offCurve], n).toFixed(2).padStart(7)} µs   ${agrees ? 'correct' : 'WRONG'}`)
}
