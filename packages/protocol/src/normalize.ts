/**
 * Tolerance for the inconsistencies of Huawei's published frames (reference §10): keys with trailing spaces,
 * `data` sent as a JSON string or as an object, numbers sent as strings.
 */

/**
 * A parsed JSON value with every object key trimmed of surrounding spaces, recursively. Only the objects and arrays
 * that hold such a key somewhere below are copied; everything else is returned as it is (the same reference), so a
 * frame without trailing-space keys costs a walk and no allocation. Callers treat the result as read-only.
 */
export function trimKeys(value: unknown, depth = 0): unknown {
  if (depth > 32 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return trimArray(value, depth);
  const obj = value as Record<string, unknown>;
  // for…in rather than Object.keys: no array allocated for the common case of nothing to trim.
  for (const key in obj) {
    if (!Object.hasOwn(obj, key)) continue;
    const v = obj[key];
    const trimmed = trimKeys(v, depth + 1);
    if (trimmed !== v || key !== key.trim()) return trimmedCopy(obj, key, trimmed, depth);
  }
  return value;
}

function trimArray(value: unknown[], depth: number): unknown[] {
  let copy: unknown[] | undefined;
  for (let i = 0; i < value.length; i++) {
    const v = value[i];
    const trimmed = trimKeys(v, depth + 1);
    if (copy) copy.push(trimmed);
    else if (trimmed !== v) {
      copy = value.slice(0, i);
      copy.push(trimmed);
    }
  }
  return copy ?? value;
}

/** The copy of `obj` once its key `firstKey` (whose value trims to `firstValue`) was found to need one. */
function trimmedCopy(
  obj: Record<string, unknown>,
  firstKey: string,
  firstValue: unknown,
  depth: number,
): Record<string, unknown> {
  const keys = Object.keys(obj);
  const first = keys.indexOf(firstKey);
  // Every value is trimmed once: those before `first` were unchanged, and `first`'s is already known.
  const entries = keys.map((k, i): [string, unknown] => [
    k.trim(),
    i < first ? obj[k] : i === first ? firstValue : trimKeys(obj[k], depth + 1),
  ]);
  // Object.fromEntries defines own data properties, so a "__proto__" key stays a plain key; of two keys equal once
  // trimmed, the later one wins, as in a JSON object with a repeated key.
  return Object.fromEntries(entries);
}

/**
 * Structural equality of parsed JSON values: objects with the same keys (in any order) and equal values, arrays with
 * equal elements in order. `ignore` names top-level object keys left out of the comparison. Allocates nothing.
 */
export function jsonEqual(a: unknown, b: unknown, ignore?: ReadonlySet<string>): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!jsonEqual(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  const x = a as Record<string, unknown>;
  const y = b as Record<string, unknown>;
  let keys = 0;
  for (const key in x) {
    if (!Object.hasOwn(x, key) || ignore?.has(key)) continue;
    if (!Object.hasOwn(y, key) || !jsonEqual(x[key], y[key])) return false;
    keys++;
  }
  for (const key in y) if (Object.hasOwn(y, key) && !ignore?.has(key)) keys--;
  return keys === 0;
}

/** `data` may arrive as a JSON-encoded string (every Huawei example) or as an object (the tables). */
export function decodeData(data: unknown): unknown {
  if (typeof data !== 'string') return data;
  try {
    return JSON.parse(data) as unknown;
  } catch {
    return undefined;
  }
}

/** A number that may have been sent as a decimal string. Returns undefined when it is neither. */
export function toNumber(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value === 'string' && value.trim() !== '') {
    const n = Number(value);
    return Number.isFinite(n) ? n : undefined;
  }
  return undefined;
}

/** A string that may have been sent as a number. */
export function toStringValue(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return undefined;
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
