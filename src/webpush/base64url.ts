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
// accepting them never changes which bytes a string stands for. Up to two '=' of padding are
// tolerated at the end, and only when they complete a multiple of 4 characters. Non-zero unused
// trailing bits are tolerated (RFC 4648 §3.5 leaves that to the decoder).

/** Result of {@link decodeBase64Strict}: the bytes, or why the text is not base64. */
export type Base64Result = { ok: true, bytes: Buffer } | { ok: false, why: string }

const BAD_CHAR = /[^A-Za-z0-9_+/-]/

/** Encodes bytes as unpadded base64url. */
export function encodeBase64Url (buf: Uint8Array): string {
  return Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength).toString('base64url')
}

/** Decodes base64url (or standard base64) strictly, returning why it failed instead of throwing. */
export function decodeBase64Strict (text: string): Base64Result {
  let end = text.length
  while (end > 0 && end > text.length - 2 && text.charCodeAt(end - 1) === 0x3d /* = */) end--
  const bad = BAD_CHAR.exec(end === text.length ? text : text.slice(0, end))
  if (bad !== null) {
    const tailIsPadding = bad[0] === '=' && /^=+$/.test(text.slice(bad.index))
    return { ok: false, why: tailIsPadding ? "misplaced '=' padding" : `character at index ${bad.index} is outside the base64url alphabet` }
  }
  if (end % 4 === 1) return { ok: false, why: `a length of ${end} is impossible (truncated?)` }
  if (end !== text.length && text.length % 4 !== 0) return { ok: false, why: "misplaced '=' padding" }
  return { ok: true, bytes: Buffer.from(end === text.length ? text : text.slice(0, end), 'base64url') }
}

/**
 * Decodes base64url strictly; throws a TypeError naming `what` (never echoing the value, which may
 * be a private key) when the string cannot be base64url.
 */
export function decodeBase64Url (s: string, what: string): Buffer {
  if (typeof s !== 'string') throw new TypeError(`${what} is not valid base64url: expected a string, got ${typeof s}`)
  const r = decodeBase64Strict(s)
  if (!r.ok) throw new TypeError(`${what} is not valid base64url: ${r.why}`)
  return r.bytes
}
