// http_ece ships no types; this declares the subset the cross-check tests use.
declare module 'http_ece' {
  import type { ECDH } from 'node:crypto'

  interface EceParams {
    version?: 'aes128gcm' | 'aesgcm'
    privateKey?: ECDH
    dh?: Buffer | string
    authSecret?: Buffer | string
    salt?: Buffer | string
    rs?: number
    pad?: number
  }

  const ece: {
    encrypt: (buffer: Buffer, params: EceParams) => Buffer
    decrypt: (buffer: Buffer, params: EceParams) => Buffer
  }
  export = ece
}
