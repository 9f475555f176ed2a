/**
 * Reading Huawei's loosely typed payloads: numbers sent as strings and strings sent as numbers, flags as
 * `"1"`/`1`/`true`, and the same field under several spellings (reference §10).
 */
import { isPlainObject, jsonEqual, toNumber, toStringValue } from '@confpush/protocol';

export type Raw = Record<string, unknown>;

export { isPlainObject };

/** The first of `keys` that holds a string or a number, as a string. */
export function str(obj: Raw, ...keys: string[]): string | undefined {
  for (const key of keys) {
    const value = toStringValue(obj[key]);
    if (value !== undefined) return value;
  }
  return undefined;
}

/** The first of `keys` that holds a number or a numeric string, as a number. */
export function num(obj: Raw, ...keys: string[]): number | undefined {
  for (const key of keys) {
    const value = toNumber(obj[key]);
    if (value !== undefined) return value;
  }
  return undefined;
}

/** A 0/1 flag sent as a number, a string or a boolean; any other non-zero number counts as on. */
export function flag(obj: Raw, ...keys: string[]): boolean | undefined {
  for (const key of keys) {
    const value = obj[key];
    if (typeof value === 'boolean') return value;
    if (value === 'true') return true;
    if (value === 'false') return false;
    const n = toNumber(value);
    if (n !== undefined) return n !== 0;
  }
  return undefined;
}

/** Copies the defined values of `fields` into a new object (so parsed views carry no `undefined` keys). */
export function compact<T extends object>(fields: { [K in keyof T]: T[K] | undefined }): T {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(fields)) if (value !== undefined) out[key] = value;
  return out as T;
}

/** A string map (`pinfoMap`): every value as a string, non-string-like values dropped. */
export function stringMap(value: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (!isPlainObject(value)) return out;
  for (const [key, v] of Object.entries(value)) {
    const s = typeof v === 'boolean' ? (v ? '1' : '0') : toStringValue(v);
    if (s !== undefined) out[key] = s;
  }
  return out;
}

export function objects(value: unknown): Raw[] {
  return Array.isArray(value) ? value.filter(isPlainObject) : [];
}

/** Keys whose values differ between two records (union of both key sets, `skip` excluded). */
export function changedKeys(before: object, after: object, skip: readonly string[] = []): string[] {
  const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
  const out: string[] = [];
  for (const key of keys) {
    if (skip.includes(key)) continue;
    if (!jsonEqual((before as Raw)[key], (after as Raw)[key])) out.push(key);
  }
  return out;
}
