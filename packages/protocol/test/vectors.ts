/** Loads the Huawei documentation examples kept in ./vectors (see README there). */
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const VECTOR_DIR = join(dirname(fileURLToPath(import.meta.url)), 'vectors');

export function vectorText(name: string): string {
  return readFileSync(join(VECTOR_DIR, name), 'utf8');
}

export function vector(name: string): Record<string, unknown> {
  return JSON.parse(vectorText(name)) as Record<string, unknown>;
}

export function vectorNames(prefix: string): string[] {
  return readdirSync(VECTOR_DIR).filter((f) => f.startsWith(prefix) && f.endsWith('.json'));
}

/** The JSON type of a value, as a comparison key: 'string', 'number', 'boolean', 'null', 'array', 'object'. */
export function jsonType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

/** Keys with trailing spaces in Huawei's examples are documentation typos; compare trimmed names. */
export function trimmed(obj: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(obj).map(([k, v]) => [k.trim(), v]));
}

/**
 * Every field of `expected` that `actual` has must have the same JSON type; returns the mismatches
 * (`path: expected vs actual`) and the fields `actual` lacks. Recurses into objects and the first array element.
 */
export function compareShape(
  expected: unknown,
  actual: unknown,
  path = '',
  out: { mismatched: string[]; missing: string[] } = { mismatched: [], missing: [] },
): { mismatched: string[]; missing: string[] } {
  const te = jsonType(expected);
  const ta = jsonType(actual);
  if (te !== ta) {
    out.mismatched.push(`${path || '(root)'}: ${te} vs ${ta}`);
    return out;
  }
  if (te === 'object') {
    const e = trimmed(expected as Record<string, unknown>);
    const a = trimmed(actual as Record<string, unknown>);
    for (const [k, v] of Object.entries(e)) {
      if (!(k in a)) out.missing.push(path ? `${path}.${k}` : k);
      else compareShape(v, a[k], path ? `${path}.${k}` : k, out);
    }
  } else if (te === 'array') {
    const e = expected as unknown[];
    const a = actual as unknown[];
    if (e.length > 0 && a.length > 0) compareShape(e[0], a[0], `${path}[0]`, out);
  }
  return out;
}
