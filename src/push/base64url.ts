// Base64url (RFC 4648 §5) as Web Push uses it for keys, auth secrets and JWT segments.
//
// Node's own base64url decoder silently skips any character it does not know, so a truncated or
// mangled key decodes to *some* bytes instead of failing; the length checks downstream then report
// a confusing "wrong length" or, worse, a key that happens to be the right length. Hence the
// explicit alphabet and length checks before handing the string to Buffer.
//
// The standard-base64 characters '+' and '/' are accepted on purpose: many backends store
// subscription keys with btoa() instead of PushSubscription.toJSON(), web-push (the reference
// Node library) decodes both alphabets, and '+'/'/' carry exactly the same 6 bits as '-'/'_', so
// accepting them never changes which bytes a string stands for. Padding '=' is tolerated at the end
// only, and only up to a multiple of 4 characters.

const ALPHABET_RE = /^[A-Za-z0-9\-_+/]*$/
const BAD_CHAR_RE = /[^A-Za-z0-9\-_+/]/

/** Encodes bytes as unpadded base64url. */
export function encodeBase64Url (buf: Uint8Array): string {
  return Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength).toString('base64url')
}

/**
 * Decodes base64url strictly; throws a TypeError naming `what` (never echoing the value, which may
 * be a private key) when the string cannot be base64url.
 */
export function decodeBase64Url (s: string, what: string): Buffer {
  if (typeof s !== 'string') throw new TypeError(`${what} is not valid base64url: expected a string, got ${typeof s}`)
  let end = s.length
  while (end > 0 && s.charCodeAt(end - 1) === 0x3d /* = */) end--
  const padding = s.length - end
  const body = padding === 0 ? s : s.slice(0, end)
  if (!ALPHABET_RE.test(body)) {
    const at = body.search(BAD_CHAR_RE)
    throw new TypeError(`${what} is not valid base64url: character at index ${at} is outside the base64url alphabet`)
  }
  if (body.length % 4 === 1) {
    throw new TypeError(`${what} is not valid base64url: a length of ${body.length} is impossible (truncated?)`)
  }
  if (padding > 0 && (padding > 2 || s.length % 4 !== 0)) {
    throw new TypeError(`${what} is not valid base64url: misplaced '=' padding`)
  }
  return Buffer.from(body, 'base64url')
}
