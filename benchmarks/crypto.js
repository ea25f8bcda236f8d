#!/usr/bin/env node
// Per-message Web Push crypto cost of src/webpush against the inline baseline measured in
// bench-baseline.md §6 (createECDH + computeSecret + 5 HMAC + AES-128-GCM, from
// /work/shared/bench-harness/crypto-bench.mjs), in the same process, interleaved round by round
// so that VM drift hits both alike. Needs a build: `npx tsc -p tsconfig.json`.
// Run pinned for stable numbers: taskset -c 0 node benchmarks/crypto.js [--rounds=20] [--secs=0.25]
import crypto from 'node:crypto'
import { encryptPayload } from '../dist/src/webpush/encrypt.js'
import { decryptPayload } from '../dist/src/webpush/decrypt.js'
import { VapidSigner } from '../dist/src/webpush/vapid.js'
import { verifyVapidAuthorization } from '../dist/src/webpush/vapid-verify.js'
import { generateVapidKeys, getRawPrivateKey } from '../dist/src/webpush/keys.js'

const opt = Object.fromEntries(process.argv.slice(2).map((a) => a.replace(/^--/, '').split('=')))
const ROUNDS = Number(opt.rounds ?? 20)
const SECS = Number(opt.secs ?? 0.25)

const subs = Array.from({ length: 256 }, () => {
  const ecdh = crypto.createECDH('prime256v1')
  const p256dh = ecdh.generateKeys()
  return { p256dh, auth: crypto.randomBytes(16), privateKey: getRawPrivateKey(ecdh) }
})
const plaintext = crypto.randomBytes(150)
let si = 0

// ---- the baseline ('baseline' below), copied from crypto-bench.mjs 'ecdh-createECDH+hmac' but with no padding
// (pad=0), because encryptPayload adds none; the record is plaintext || 0x02.
const RS = 4096
const KEY_INFO = Buffer.from('WebPush: info\0')
const CEK_INFO = Buffer.from('Content-Encoding: aes128gcm\0\x01')
const NONCE_INFO = Buffer.from('Content-Encoding: nonce\0\x01')
const padded = Buffer.concat([plaintext, Buffer.from([2])])
const hmac = (k, d) => crypto.createHmac('sha256', k).update(d).digest()
function header (salt, asPub) { const h = Buffer.allocUnsafe(21); salt.copy(h, 0); h.writeUInt32BE(RS, 16); h[20] = 65; return Buffer.concat([h, asPub]) }
function aesgcm (cek, nonce, data) {
  const c = crypto.createCipheriv('aes-128-gcm', cek, nonce)
  return Buffer.concat([c.update(data), c.final(), c.getAuthTag()])
}
function schedHmac (ecdhSecret, auth, uaPub, asPub, salt) {
  const prkKey = hmac(auth, ecdhSecret)
  const ikm = hmac(prkKey, Buffer.concat([KEY_INFO, uaPub, asPub, Buffer.from([1])]))
  const prk = hmac(salt, ikm)
  return { cek: hmac(prk, CEK_INFO).subarray(0, 16), nonce: hmac(prk, NONCE_INFO).subarray(0, 12) }
}
function baseline () {
  const s = subs[(si++) & 255]
  const e = crypto.createECDH('prime256v1'); const asPub = e.generateKeys()
  const secret = e.computeSecret(s.p256dh); const salt = crypto.randomBytes(16)
  const { cek, nonce } = schedHmac(secret, s.auth, s.p256dh, asPub, salt)
  return Buffer.concat([header(salt, asPub), aesgcm(cek, nonce, padded)])
}
function ours () {
  const s = subs[(si++) & 255]
  return encryptPayload(plaintext, s)
}

// ---- VAPID
const vk = generateVapidKeys()
const signer = new VapidSigner({ publicKey: Buffer.from(vk.publicKey, 'base64url'), privateKey: Buffer.from(vk.privateKey, 'base64url'), subject: 'mailto:bench@example.com' })
const AUD = 'https://push.example.net'
let clock = Date.now()
const authHit = () => signer.authorization(AUD)
// Advancing the injected clock by 12 h per call pushes every call past the refresh point.
const authResign = () => signer.authorization(AUD, (clock += 12 * 3600 * 1000))
// The ES256 row of crypto-bench.mjs ('jwt: crypto.sign ES256 (KeyObject, p1363)'), for scale.
const { privateKey: jwtKey } = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' })
const b64 = (x) => Buffer.from(JSON.stringify(x)).toString('base64url')
const jwtInline = () => {
  const u = b64({ typ: 'JWT', alg: 'ES256' }) + '.' + b64({ aud: AUD, exp: Math.floor(Date.now() / 1000) + 43200, sub: 'mailto:bench@example.com' })
  return u + '.' + crypto.sign('sha256', Buffer.from(u), { key: jwtKey, dsaEncoding: 'ieee-p1363' }).toString('base64url')
}
const fixedHeader = signer.authorization(AUD)
const verifyHit = () => verifyVapidAuthorization(fixedHeader, AUD)

// ---- correctness first: both encrypters must produce bodies our decrypter accepts
for (const f of [baseline, ours]) {
  si = 7
  const out = decryptPayload(f(), { privateKey: subs[7].privateKey, publicKey: subs[7].p256dh, auth: subs[7].auth })
  if (!out.equals(plaintext)) throw new Error(`${f.name}: decrypt mismatch`)
}

function runFor (f, ms) {
  let n = 0
  const t0 = process.hrtime.bigint()
  const end = t0 + BigInt(Math.round(ms * 1e6))
  do { for (let i = 0; i < 50; i++) f(); n += 50 } while (process.hrtime.bigint() < end)
  return Number(process.hrtime.bigint() - t0) / 1e3 / n // µs per call
}
const median = (xs) => { const s = [...xs].sort((a, b) => a - b); const m = s.length >> 1; return s.length % 2 === 1 ? s[m] : (s[m - 1] + s[m]) / 2 }

// Variants alternate in short slices and each round's ratio is taken between neighbouring slices:
// on a noisy VM the per-pair ratio is far steadier than a ratio of two separately taken medians.
function compare (label, variants) {
  for (const f of Object.values(variants)) runFor(f, 300) // warm-up
  const names = Object.keys(variants)
  const samples = Object.fromEntries(names.map((k) => [k, []]))
  for (let r = 0; r < ROUNDS; r++) {
    const order = r % 2 === 0 ? names : [...names].reverse()
    for (const k of order) samples[k].push(runFor(variants[k], SECS * 1000))
  }
  console.log(`\n${label}`)
  const meds = {}
  for (const [k, xs] of Object.entries(samples)) {
    meds[k] = median(xs)
    const range = `${Math.min(...xs).toFixed(1)}–${Math.max(...xs).toFixed(1)}`
    console.log(`  ${k.padEnd(44)} ${meds[k].toFixed(2).padStart(9)} µs/op  (range ${range})  ${Math.round(1e6 / meds[k]).toString().padStart(8)} ops/s`)
  }
  return samples
}

console.log(`node ${process.version}, OpenSSL ${process.versions.openssl}, ${ROUNDS} interleaved rounds × ${SECS} s, 150-byte plaintext, 256 subscriptions`)
const enc = compare('encrypt (full aes128gcm body)', { baseline, encryptPayload: ours })
const ratios = enc.encryptPayload.map((x, i) => x / enc.baseline[i])
console.log(`  encryptPayload / baseline: median of ${ratios.length} paired ratios ${median(ratios).toFixed(3)} (range ${Math.min(...ratios).toFixed(3)}–${Math.max(...ratios).toFixed(3)})`)
compare('VAPID', {
  'authorization(), cache hit': authHit,
  'authorization(), forced re-sign': authResign,
  'baseline inline JWT sign (crypto-bench)': jwtInline,
  'verifyVapidAuthorization, cache hit': verifyHit
})
console.log(`  signatures made by the signer: ${signer.signatures}`)
