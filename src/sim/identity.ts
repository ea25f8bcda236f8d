// The simulator's on-disk identity: its seed and certificate live in a state directory, so a restarted
// simulator decrypts subscriptions it generated earlier and the sender's --ca file stays valid.
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { randomBytes } from 'node:crypto'
import { InvalidOptionError } from '../errors.js'
import { generateSelfSignedCertificate } from '../tls/cert.js'

/** Seed and certificate of a simulator, plus where they are stored. */
export interface SimulatorIdentity {
  seed: string
  cert: string
  key: string
  certPath: string
}

/** Loads the identity in `dir`, creating it (0700 directory, 0600 secrets) the first time. */
export function loadOrCreateIdentity (dir: string): SimulatorIdentity {
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 })
  } catch (err) {
    throw new InvalidOptionError(`--state-dir: cannot create ${dir}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`)
  }
  const seedPath = join(dir, 'seed')
  const certPath = join(dir, 'cert.pem')
  const keyPath = join(dir, 'key.pem')
  if (!existsSync(seedPath) || !existsSync(certPath) || !existsSync(keyPath)) {
    const { cert, key } = generateSelfSignedCertificate({ days: 365 })
    writeSecret(seedPath, randomBytes(32).toString('hex') + '\n')
    writeSecret(keyPath, key)
    writeFileSync(certPath, cert)
  }
  return {
    seed: readFileSync(seedPath, 'utf8').trim(),
    cert: readFileSync(certPath, 'utf8'),
    key: readFileSync(keyPath, 'utf8'),
    certPath
  }
}

function writeSecret (path: string, text: string): void {
  writeFileSync(path, text, { mode: 0o600 })
  chmodSync(path, 0o600)
}
