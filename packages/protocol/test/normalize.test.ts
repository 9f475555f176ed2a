import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isDeepStrictEqual } from 'node:util';
import { jsonEqual, trimKeys } from '../src/index.js';

/** The definition: a full copy with every key trimmed (the implementation before it learnt to skip copies). */
function copyTrimmed(value: unknown, depth = 0): unknown {
  if (depth > 32 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => copyTrimmed(v, depth + 1));
  return Object.fromEntries(
    Object.entries(value).map(([k, v]) => [k.trim(), copyTrimmed(v, depth + 1)] as const),
  );
}

/** Does any key, at any depth up to the limit, have surrounding spaces? */
function hasUntrimmedKey(value: unknown, depth = 0): boolean {
  if (depth > 32 || value === null || typeof value !== 'object') return false;
  if (Array.isArray(value)) return value.some((v) => hasUntrimmedKey(v, depth + 1));
  return Object.entries(value).some(([k, v]) => k !== k.trim() || hasUntrimmedKey(v, depth + 1));
}

/** Every object and array of `value`, by identity. */
function containers(value: unknown, into = new Set<object>()): Set<object> {
  if (value === null || typeof value !== 'object') return into;
  into.add(value);
  for (const v of Object.values(value)) containers(v, into);
  return into;
}

// Keys drawn from a small alphabet with spaces, so that untrimmed keys and keys equal once trimmed both occur.
const key = fc.stringMatching(/^ ?[a-c_]{0,3}(__proto__)? ?$/);
const json = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.oneof(fc.integer(), fc.string(), fc.boolean(), fc.constant(null)),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(key, tie('value'), { maxKeys: 5 }),
  ),
})).value;
/** As it arrives: through JSON text (own "__proto__" keys, no holes). */
const parsed = json.map((v) => JSON.parse(JSON.stringify(v)) as unknown);

describe('trimKeys', () => {
  it('equals a full trimmed copy, for any parsed JSON value', () => {
    fc.assert(
      fc.property(parsed, (value) => {
        expect(trimKeys(value)).toStrictEqual(copyTrimmed(value));
      }),
      { numRuns: 2000 },
    );
  });

  it('returns the same reference when no key needs trimming, and never changes its input', () => {
    fc.assert(
      fc.property(parsed, (value) => {
        const before = JSON.stringify(value);
        const result = trimKeys(value);
        expect(JSON.stringify(value)).toBe(before);
        if (!hasUntrimmedKey(value)) expect(result).toBe(value);
        else expect(result).not.toBe(value);
      }),
      { numRuns: 2000 },
    );
  });

  it('copies only the containers on a path to an untrimmed key', () => {
    const untouched = { NAME: 'a', pinfoMap: { NAME: 'a', mute: '0' } };
    const frame = JSON.parse(
      JSON.stringify({
        action: 'ParticipantsNotify',
        data: [untouched, { 'participantID ': 'p2', pinfoMap: {} }],
      }),
    ) as { data: unknown[] };
    const result = trimKeys(frame) as { data: unknown[] };
    expect(result).not.toBe(frame);
    expect(result.data).not.toBe(frame.data);
    expect(result.data[0]).toBe(frame.data[0]);
    expect(result.data[1]).toStrictEqual({ participantID: 'p2', pinfoMap: {} });
    const shared = containers(frame);
    expect([...containers(result)].filter((c) => shared.has(c))).toHaveLength(3);
  });

  it('keeps "__proto__" as a plain key and lets the later of two equal keys win', () => {
    const value = JSON.parse('{"__proto__ ":{"x":1},"a":1,"a ":2}') as unknown;
    const result = trimKeys(value) as Record<string, unknown>;
    expect(Object.getPrototypeOf(result)).toBe(Object.prototype);
    expect(Object.hasOwn(result, '__proto__')).toBe(true);
    expect(result['a']).toBe(2);
  });

  it('reads each value once when an untrimmed key is deep down (linear, not exponential, in the depth)', () => {
    let reads = 0;
    let value: unknown = { 'k ': 1 };
    for (let i = 0; i < 20; i++) {
      const child = value;
      value = Object.defineProperty({}, 'k ', {
        enumerable: true,
        get: () => {
          reads++;
          return child;
        },
      });
    }
    const result = trimKeys(value);
    expect(reads).toBe(20);
    let depth = 0;
    for (let v = result; typeof v === 'object'; v = (v as Record<string, unknown>)['k']) depth++;
    expect(depth).toBe(21);
  });
});

describe('jsonEqual', () => {
  /** A value and a near copy: the same JSON with its keys in reverse order, sometimes with one leaf changed. */
  const pairs = fc.tuple(parsed, parsed, fc.boolean()).map(([a, other, mutate]) => {
    const reorder = (v: unknown): unknown =>
      v === null || typeof v !== 'object'
        ? v
        : Array.isArray(v)
          ? v.map(reorder)
          : Object.fromEntries(
              Object.entries(v)
                .reverse()
                .map(([k, x]) => [k, reorder(x)] as const),
            );
    const b = reorder(a);
    if (mutate && b !== null && typeof b === 'object' && !Array.isArray(b)) {
      const key = Object.keys(b)[0];
      if (key !== undefined) (b as Record<string, unknown>)[key] = other;
    }
    return [a, b] as const;
  });

  it("agrees with node:util's isDeepStrictEqual on parsed JSON, whatever the key order", () => {
    fc.assert(
      fc.property(pairs, ([a, b]) => {
        expect(jsonEqual(a, b)).toBe(isDeepStrictEqual(a, b));
      }),
      { numRuns: 2000 },
    );
  });

  it('leaves the ignored top-level keys out, and only those', () => {
    const ignore = new Set(['seq', 'mode']);
    expect(jsonEqual({ a: 1, seq: 3, mode: 0 }, { mode: 1, a: 1 }, ignore)).toBe(true);
    expect(jsonEqual({ a: 1, seq: 3 }, { a: 2, seq: 3 }, ignore)).toBe(false);
    expect(jsonEqual({ a: 1 }, { a: 1, b: 2 }, ignore)).toBe(false);
    expect(jsonEqual({ x: { seq: 1 } }, { x: { seq: 2 } }, ignore)).toBe(false);
    expect(jsonEqual([1, { a: 1 }], [1, { a: 1 }])).toBe(true);
    expect(jsonEqual([1, 2], { 0: 1, 1: 2 })).toBe(false);
    expect(jsonEqual({ 0: 1, 1: 2 }, [1, 2])).toBe(false);
  });
});
