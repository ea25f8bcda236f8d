import { generateKeyPairSync, randomBytes, sign } from 'node:crypto'
import { isIP } from 'node:net'
import { InvalidOptionError } from '../errors.js'
import { ipToBytes } from '../net/ip-bytes.js'
import {
  bitString, boolean, explicit, implicit, integer, octetString, oid, sequence, set, utf8String, x509Time
} from './der.js'

/** Options of {@link generateSelfSignedCertificate}. */
export interface SelfSignedCertificateOptions {
  /** Extra DNS names or IP literals for subjectAltName, added to localhost, 127.0.0.1 and ::1. */
  hosts?: string[]
  /** Days of validity from now (default 30); fractions are allowed. */
  days?: number
  /** Subject and issuer common name (default `notify-sender self-signed <random hex>`, unique per certificate). */
  commonName?: string
}

/** A PEM certificate and its PEM (PKCS#8) private key. */
export interface SelfSignedCertificate {
  cert: string
  key: string
}

const DEFAULT_HOSTS = ['localhost', '127.0.0.1', '::1']
const HOUR_MS = 3_600_000
const DAY_MS = 24 * HOUR_MS
// Letters, digits, hyphens and dots, with an optional leading wildcard label: what a dNSName may hold.
const DNS_NAME_RE = /^(?:\*\.)?(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/

const OID = {
  ecdsaWithSha256: '1.2.840.10045.4.3.2',
  commonName: '2.5.4.3',
  subjectAltName: '2.5.29.17',
  basicConstraints: '2.5.29.19',
  keyUsage: '2.5.29.15',
  extKeyUsage: '2.5.29.37',
  serverAuth: '1.3.6.1.5.5.7.3.1'
} as const

function extension (id: string, critical: boolean, value: Uint8Array): Buffer {
  return critical
    ? sequence(oid(id), boolean(true), octetString(value))
    : sequence(oid(id), octetString(value))
}

function generalName (host: string): Buffer {
  if (isIP(host) !== 0) {
    const bytes = ipToBytes(host)
    if (bytes === undefined) throw new InvalidOptionError(`hosts: ${JSON.stringify(host)} is not a usable IP address`)
    return implicit(7, bytes)
  }
  if (host.length > 253 || !DNS_NAME_RE.test(host)) {
    throw new InvalidOptionError(`hosts: ${JSON.stringify(host)} is neither an IP address nor a DNS name`)
  }
  // dNSName is an IMPLICIT IA5String; the pattern above has already restricted it to ASCII.
  return implicit(2, Buffer.from(host, 'ascii'))
}

function uniqueHosts (extra: readonly string[]): string[] {
  const seen = new Set<string>()
  const out: string[] = []
  for (const host of [...DEFAULT_HOSTS, ...extra]) {
    const key = host.toLowerCase()
    if (!seen.has(key)) {
      seen.add(key)
      out.push(host)
    }
  }
  return out
}

function toPem (label: string, der: Buffer): string {
  const lines = der.toString('base64').match(/.{1,64}/g) ?? []
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`
}

/**
 * Generates a self-signed ECDSA P-256 certificate valid for localhost, 127.0.0.1, ::1 and `hosts`.
 * It is its own trust anchor: pass the returned `cert` as `ca` to clients instead of disabling checks.
 */
export function generateSelfSignedCertificate (options: SelfSignedCertificateOptions = {}): SelfSignedCertificate {
  const days = options.days ?? 30
  if (!Number.isFinite(days) || days <= 0) throw new InvalidOptionError(`days must be a positive number, got ${days}`)
  // A unique default name: OpenSSL finds a trust anchor by subject name, so two of these certificates in
  // one CA bundle (a sender talking to two simulators) would otherwise shadow each other.
  const commonName = options.commonName ?? `notify-sender self-signed ${randomBytes(6).toString('hex')}`
  if (commonName.length === 0 || commonName.length > 64) {
    throw new InvalidOptionError('commonName must be 1 to 64 characters (X.520 ub-common-name)')
  }
  const hosts = uniqueHosts(options.hosts ?? [])

  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' })
  const spki = publicKey.export({ type: 'spki', format: 'der' })

  // A positive 16-byte serial: clearing the top bit keeps it from reading as negative, and setting
  // the next one keeps it from shrinking below 16 bytes when DER strips leading zeros.
  const serial = randomBytes(16)
  serial[0] = ((serial[0] ?? 0) & 0x7f) | 0x40

  const now = Date.now()
  // Back-dated an hour so a client whose clock runs slightly behind still accepts the certificate.
  const notBefore = new Date(now - HOUR_MS)
  const notAfter = new Date(now + days * DAY_MS)
  const name = sequence(set(sequence(oid(OID.commonName), utf8String(commonName))))
  const signatureAlgorithm = sequence(oid(OID.ecdsaWithSha256))

  const extensions = sequence(
    extension(OID.subjectAltName, false, sequence(...hosts.map(generalName))),
    // CA:TRUE because the certificate is its own anchor; OpenSSL (hence Node) accepts it as a leaf too.
    extension(OID.basicConstraints, true, sequence(boolean(true))),
    // digitalSignature (bit 0) and keyCertSign (bit 5): 1000_0100 with the 2 trailing zero bits unused.
    extension(OID.keyUsage, true, bitString(Buffer.from([0x84]), 2)),
    extension(OID.extKeyUsage, false, sequence(oid(OID.serverAuth)))
  )

  const tbs = sequence(
    explicit(0, integer(2)),
    integer(serial),
    signatureAlgorithm,
    name,
    sequence(x509Time(notBefore), x509Time(notAfter)),
    name,
    spki,
    explicit(3, extensions)
  )
  const signature = sign('sha256', tbs, privateKey)
  const certificate = sequence(tbs, signatureAlgorithm, bitString(signature))

  return {
    cert: toPem('CERTIFICATE', certificate),
    key: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()
  }
}
