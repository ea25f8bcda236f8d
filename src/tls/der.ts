// A deliberately tiny ASN.1 DER encoder: just the types an X.509 v3 certificate needs.
// Every function returns the complete TLV, so structures compose by nesting calls.

/** Universal tag numbers used by the encoder (class universal, primitive unless constructed). */
const TAG = {
  BOOLEAN: 0x01,
  INTEGER: 0x02,
  BIT_STRING: 0x03,
  OCTET_STRING: 0x04,
  OID: 0x06,
  UTF8_STRING: 0x0c,
  PRINTABLE_STRING: 0x13,
  UTC_TIME: 0x17,
  GENERALIZED_TIME: 0x18,
  SEQUENCE: 0x30,
  SET: 0x31
} as const

const PRINTABLE_RE = /^[A-Za-z0-9 '()+,\-./:=?]*$/

/** Encodes a DER length: short form below 128, long form (big-endian, minimal) above. */
export function encodeLength (length: number): Buffer {
  if (!Number.isSafeInteger(length) || length < 0) throw new RangeError(`invalid DER length ${length}`)
  if (length < 0x80) return Buffer.from([length])
  const bytes: number[] = []
  for (let n = length; n > 0; n = Math.floor(n / 256)) bytes.unshift(n % 256)
  return Buffer.from([0x80 | bytes.length, ...bytes])
}

/** Wraps content in a tag-length-value triple; `tag` is the full identifier octet. */
export function tlv (tag: number, content: Uint8Array): Buffer {
  return Buffer.concat([Buffer.from([tag]), encodeLength(content.length), content])
}

/** SEQUENCE of already-encoded elements. */
export function sequence (...elements: Uint8Array[]): Buffer {
  return tlv(TAG.SEQUENCE, Buffer.concat(elements))
}

/** SET of already-encoded elements; DER wants them sorted by their encoding. */
export function set (...elements: Uint8Array[]): Buffer {
  const sorted = [...elements].sort((a, b) => Buffer.compare(a, b))
  return tlv(TAG.SET, Buffer.concat(sorted))
}

/** BOOLEAN; DER requires 0xff for true. */
export function boolean (value: boolean): Buffer {
  return tlv(TAG.BOOLEAN, Buffer.from([value ? 0xff : 0x00]))
}

/**
 * INTEGER from a non-negative safe integer or from unsigned big-endian bytes.
 * Leading zeros are stripped and one is added back when the high bit would read as a sign.
 */
export function integer (value: number | Uint8Array): Buffer {
  let bytes: Buffer
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`integer() takes a non-negative safe integer, got ${value}`)
    const digits: number[] = []
    for (let n = value; n > 0; n = Math.floor(n / 256)) digits.unshift(n % 256)
    bytes = Buffer.from(digits)
  } else {
    bytes = Buffer.from(value)
  }
  let start = 0
  while (start < bytes.length - 1 && bytes[start] === 0) start++
  bytes = bytes.subarray(start)
  if (bytes.length === 0) bytes = Buffer.from([0])
  if ((bytes[0] ?? 0) & 0x80) bytes = Buffer.concat([Buffer.from([0]), bytes])
  return tlv(TAG.INTEGER, bytes)
}

/** OBJECT IDENTIFIER from dotted notation, e.g. `2.5.4.3`. */
export function oid (dotted: string): Buffer {
  const arcs = dotted.split('.').map((s) => {
    if (!/^\d+$/.test(s)) throw new RangeError(`invalid OID ${JSON.stringify(dotted)}`)
    return Number(s)
  })
  const [first, second, ...rest] = arcs
  if (first === undefined || second === undefined || first > 2 || (first < 2 && second > 39)) {
    throw new RangeError(`invalid OID ${JSON.stringify(dotted)}`)
  }
  const out: number[] = []
  for (const arc of [first * 40 + second, ...rest]) {
    if (!Number.isSafeInteger(arc)) throw new RangeError(`OID arc too large in ${JSON.stringify(dotted)}`)
    // Base-128, most significant group first, continuation bit on all but the last group.
    const groups = [arc % 128]
    for (let n = Math.floor(arc / 128); n > 0; n = Math.floor(n / 128)) groups.unshift((n % 128) | 0x80)
    out.push(...groups)
  }
  return tlv(TAG.OID, Buffer.from(out))
}

/** UTF8String. */
export function utf8String (value: string): Buffer {
  return tlv(TAG.UTF8_STRING, Buffer.from(value, 'utf8'))
}

/** PrintableString; throws on characters outside its restricted alphabet. */
export function printableString (value: string): Buffer {
  if (!PRINTABLE_RE.test(value)) throw new RangeError(`not a PrintableString: ${JSON.stringify(value)}`)
  return tlv(TAG.PRINTABLE_STRING, Buffer.from(value, 'latin1'))
}

function pad (n: number, width: number): string {
  return String(n).padStart(width, '0')
}

function timeDigits (date: Date): string {
  if (Number.isNaN(date.getTime())) throw new RangeError('invalid date')
  return pad(date.getUTCMonth() + 1, 2) + pad(date.getUTCDate(), 2) + pad(date.getUTCHours(), 2) +
    pad(date.getUTCMinutes(), 2) + pad(date.getUTCSeconds(), 2) + 'Z'
}

/** UTCTime `YYMMDDHHMMSSZ` (whole seconds, UTC); only meaningful for years 1950-2049. */
export function utcTime (date: Date): Buffer {
  const year = date.getUTCFullYear()
  if (year < 1950 || year > 2049) throw new RangeError(`UTCTime cannot represent year ${year}`)
  return tlv(TAG.UTC_TIME, Buffer.from(pad(year % 100, 2) + timeDigits(date), 'latin1'))
}

/** GeneralizedTime `YYYYMMDDHHMMSSZ` (whole seconds, UTC). */
export function generalizedTime (date: Date): Buffer {
  const year = date.getUTCFullYear()
  if (year < 0 || year > 9999) throw new RangeError(`GeneralizedTime cannot represent year ${year}`)
  return tlv(TAG.GENERALIZED_TIME, Buffer.from(pad(year, 4) + timeDigits(date), 'latin1'))
}

/** The X.509 `Time` choice: RFC 5280 §4.1.2.5 mandates UTCTime through 2049, GeneralizedTime after. */
export function x509Time (date: Date): Buffer {
  const year = date.getUTCFullYear()
  return year >= 1950 && year <= 2049 ? utcTime(date) : generalizedTime(date)
}

/** BIT STRING; `unusedBits` is how many low bits of the last byte are padding. */
export function bitString (bytes: Uint8Array, unusedBits = 0): Buffer {
  if (!Number.isInteger(unusedBits) || unusedBits < 0 || unusedBits > 7 || (bytes.length === 0 && unusedBits !== 0)) {
    throw new RangeError(`invalid unused bit count ${unusedBits}`)
  }
  return tlv(TAG.BIT_STRING, Buffer.concat([Buffer.from([unusedBits]), bytes]))
}

/** OCTET STRING. */
export function octetString (bytes: Uint8Array): Buffer {
  return tlv(TAG.OCTET_STRING, bytes)
}

/** Context-specific EXPLICIT tag `[n]`: a constructed wrapper around one complete element. */
export function explicit (n: number, element: Uint8Array): Buffer {
  if (!Number.isInteger(n) || n < 0 || n > 30) throw new RangeError(`unsupported tag number ${n}`)
  return tlv(0xa0 | n, element)
}

/** Context-specific IMPLICIT primitive tag `[n]`: replaces the universal tag of raw content. */
export function implicit (n: number, content: Uint8Array): Buffer {
  if (!Number.isInteger(n) || n < 0 || n > 30) throw new RangeError(`unsupported tag number ${n}`)
  return tlv(0x80 | n, content)
}
