/** Randomness and frame sequences of the SDK; byte encodings come from `@confpush/protocol`. */
import { toHex } from '@confpush/protocol';

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
