/** Identifiers and secrets. Every secret comes from the CSPRNG; sizes are chosen to be unguessable. */
import { randomBytes, randomInt, randomUUID } from 'node:crypto';
import { secretEquals } from './auth/secrets.js';
import type { MeetingSecrets } from './domain/schedule.js';

/** 32 lower-case hex characters, like Huawei's `msgID`, `confUUID` and user IDs. */
export function hex32(): string {
  return randomUUID().replaceAll('-', '');
}

/** A stream epoch (also a node's id): 12 hex characters, new at every start of a stream's history. */
export function newEpoch(): string {
  return randomBytes(6).toString('hex');
}

/** A secret key in the shape of `hex32` (32 hex characters) with 128 random bits (a UUID has only 122). */
export function secretHex(): string {
  return randomBytes(16).toString('hex');
}

/** A token: a short prefix naming its kind, then 48 hex characters (192 random bits). */
export function token(prefix: string): string {
  return prefix + randomBytes(24).toString('hex');
}

/** A numeric string of `length` digits, the first one not zero. */
export function digits(length: number): string {
  let s = String(randomInt(1, 10));
  while (s.length < length) s += String(randomInt(0, 10));
  return s;
}

const PID_ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';

/** A participant (site) ID: 32 lower-case alphanumerics, like `uzr571a9brwu11cvcibvru5a7r7rryiy`. */
export function pid(): string {
  const bytes = randomBytes(32);
  let s = '';
  for (const b of bytes) s += PID_ALPHABET[b % PID_ALPHABET.length];
  return s;
}

/** A meeting ID like Huawei's: 9 digits starting with 9. The route retries on collision. */
export function conferenceId(): string {
  return `9${String(randomInt(0, 100_000_000)).padStart(8, '0')}`;
}

/** The secrets of new meetings, from the CSPRNG, compared in constant time. */
export const meetingSecrets: MeetingSecrets = {
  uuid: hex32,
  password: digits,
  linkToken: () => token(''),
  equal: secretEquals,
};
