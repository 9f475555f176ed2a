/**
 * Tolerance for the inconsistencies of Huawei's published frames (reference §10): keys with trailing spaces,
 * `data` sent as a JSON string or as an object, numbers sent as strings.
 */

/** Copies a parsed JSON value with every object key trimmed of surrounding spaces, recursively. */
export function trimKeys(value: unknown, depth = 0): unknown {
  if (depth > 32 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => trimKeys(v, depth + 1));
  let needsCopy = false;
  for (const key of Object.keys(value)) {
    if (key !== key.trim()) {
      needsCopy = true;
      break;
    }
    const v = (value as Record<string, unknown>)[key];
    if (v !== null && typeof v === 'object') {
      needsCopy = true;
      break;
    }
  }
  if (!needsCopy) return value;
  // Object.fromEntries defines own data properties, so a "__proto__" key stays a plain key.
  return Object.fromEntries(
    Object.entries(value).map(([k, v]) => [k.trim(), trimKeys(v, depth + 1)] as const),
  );
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
