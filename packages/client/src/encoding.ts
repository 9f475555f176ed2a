/** Byte encodings used by the token chain, on WebCrypto and `btoa` only (Node 20 and browsers alike). */

const encoder = new TextEncoder();

/** Base64 of the UTF-8 bytes of `text`. */
export function base64Utf8(text: string): string {
  let binary = '';
  for (const byte of encoder.encode(text)) binary += String.fromCharCode(byte);
  return btoa(binary);
}

export function toHex(bytes: Uint8Array): string {
  let hex = '';
  for (const byte of bytes) hex += byte.toString(16).padStart(2, '0');
  return hex;
}

export async function hmacSha256Hex(key: string, message: string): Promise<string> {
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

/** `length` random hexadecimal characters. */
export function randomHex(length: number): string {
  const bytes = new Uint8Array(Math.ceil(length / 2));
  globalThis.crypto.getRandomValues(bytes);
  return toHex(bytes).slice(0, length);
}

let lastSequence = 0;

/**
 * A frame `sequence` as Huawei's examples use it: the current time in ms, zero-padded to 30 digits. Strictly
 * increasing within one process, so two frames sent in the same millisecond never share a sequence.
 */
export function nextSequence(now: number = Date.now()): string {
  lastSequence = Math.max(Math.floor(now), lastSequence + 1);
  return String(lastSequence).padStart(30, '0');
}
