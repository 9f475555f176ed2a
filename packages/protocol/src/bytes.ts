/** Byte encodings on `TextEncoder`, `btoa` and WebCrypto only, so that Node 20 and browsers share them. */

const encoder = new TextEncoder();

/** Base64 of the UTF-8 bytes of `text`. */
export function base64Utf8(text: string): string {
  let binary = '';
  for (const byte of encoder.encode(text)) binary += String.fromCharCode(byte);
  return btoa(binary);
}

/** Lower-case hexadecimal of `bytes`. */
export function toHex(bytes: Uint8Array): string {
  let hex = '';
  for (const byte of bytes) hex += byte.toString(16).padStart(2, '0');
  return hex;
}

/**
 * HMAC-SHA256 on WebCrypto (browsers; Node 20+ too): lower-case hex. WebCrypto refuses an empty key, so an empty
 * `key` rejects (an app key is never empty).
 */
export async function webCryptoHmacSha256Hex(key: string, message: string): Promise<string> {
  const subtle = globalThis.crypto?.subtle;
  if (!subtle) throw new Error('WebCrypto (globalThis.crypto.subtle) is not available');
  const cryptoKey = await subtle.importKey(
    'raw',
    encoder.encode(key),
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    ['sign'],
  );
  return toHex(new Uint8Array(await subtle.sign('HMAC', cryptoKey, encoder.encode(message))));
}
