/** Result of {@link decodeBase64Strict}: the bytes, or why the text is not base64. */
export type Base64Result = { ok: true, bytes: Buffer } | { ok: false, why: string }

const ALPHABET = /[^A-Za-z0-9_+/-]/

/**
 * Decodes base64url, also accepting the standard alphabet (`+/`) and `=` padding because some
 * backends store subscription keys that way. Unlike `Buffer.from(s, 'base64url')`, which skips
 * what it does not understand, any other character, misplaced padding or impossible length is
 * refused. Non-zero unused trailing bits are tolerated (RFC 4648 §3.5 leaves that to the decoder).
 */
export function decodeBase64Strict (text: string): Base64Result {
  let end = text.length
  while (end > 0 && end > text.length - 2 && text.charCodeAt(end - 1) === 0x3d) end--
  const bad = ALPHABET.exec(end === text.length ? text : text.slice(0, end))
  if (bad !== null) return { ok: false, why: `unexpected character at position ${bad.index}` }
  if (end % 4 === 1) return { ok: false, why: `${end} characters is not a possible base64 length` }
  if (end !== text.length && text.length % 4 !== 0) return { ok: false, why: 'wrong amount of "=" padding' }
  return { ok: true, bytes: Buffer.from(text.slice(0, end), 'base64url') }
}
