/**
 * Hostile input for the fuzz tests: JSON written as text (so that duplicate keys, `__proto__` keys, numbers
 * beyond IEEE-754 and nesting deeper than any stack can be expressed), bodies shaped after a route's own schema
 * with one field made wrong, raw byte sequences that are not UTF-8, query strings with broken percent-encoding and
 * repeated keys, and header values of every length.
 */
import fc from 'fast-check';
import type { Json } from './routes.js';

/** A JSON document as a tree that keeps what `JSON.parse` would lose: key order, duplicates, number spelling. */
export type JsonNode =
  | { t: 'num'; raw: string }
  | { t: 'str'; v: string }
  | { t: 'lit'; v: 'true' | 'false' | 'null' }
  | { t: 'arr'; items: JsonNode[] }
  | { t: 'obj'; entries: [string, JsonNode][] };

export function toText(node: JsonNode): string {
  switch (node.t) {
    case 'num':
      return node.raw;
    case 'str':
      return JSON.stringify(node.v);
    case 'lit':
      return node.v;
    case 'arr':
      return `[${node.items.map(toText).join(',')}]`;
    case 'obj':
      return `{${node.entries.map(([k, v]) => `${JSON.stringify(k)}:${toText(v)}`).join(',')}}`;
  }
}

/** `arb` once in `oneIn` draws, undefined otherwise (`fc.option`'s `freq` is the other way round). */
export function rarely<T>(arb: fc.Arbitrary<T>, oneIn: number): fc.Arbitrary<T | undefined> {
  return fc.oneof({ weight: oneIn - 1, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: arb });
}

/** Keys that attack JavaScript objects. */
export const POISON_KEYS = [
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'valueOf',
  'hasOwnProperty',
  '__defineGetter__',
  'isPrototypeOf',
] as const;

export const hugeString = fc.oneof(
  fc.integer({ min: 1_000, max: 70_000 }).map((n) => 'x'.repeat(n)),
  fc.integer({ min: 100, max: 20_000 }).map((n) => '\u{1F600}'.repeat(n)),
  fc.integer({ min: 100, max: 20_000 }).map((n) => '\u0000'.repeat(n)),
);

export const weirdString: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.string({ maxLength: 40 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 20 }) },
  // Lone surrogates and every code point: JSON.stringify escapes lone surrogates, so they travel as `\udxxx`.
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 20 }) },
  {
    weight: 3,
    arbitrary: fc.constantFrom(
      '',
      ' ',
      '\u0000',
      '\ud800',
      '\udfff',
      '%',
      '%00',
      '../../etc/passwd',
      '..',
      '*',
      ...POISON_KEYS,
      'null',
      'undefined',
      'NaN',
      'Infinity',
      '1e309',
      '-1',
      '0x10',
      'true',
      '{}',
      '[]',
      '<script>alert(1)</script>',
      "' OR 1=1 --",
      '"; DROP TABLE meetings; --',
      'Basic ',
      'Basic !!!',
      'Basic Og==',
      'HMAC-SHA256 signature=,access=',
      '${jndi:ldap://x}',
      '\r\nX-Injected: 1',
      '\u202e\u2066',
    ),
  },
  { weight: 1, arbitrary: hugeString },
);

/** Number spellings: integers at every boundary, fractions, exponents beyond double range, huge digit strings. */
export const numberText: fc.Arbitrary<string> = fc.oneof(
  fc.integer().map(String),
  fc.double({ noNaN: true, noDefaultInfinity: true }).map((d) => JSON.stringify(d)),
  fc.bigInt({ min: -(10n ** 40n), max: 10n ** 40n }).map(String),
  fc.constantFrom(
    '0',
    '-0',
    '1',
    '-1',
    '0.5',
    '1.0',
    '2147483647',
    '2147483648',
    '-2147483649',
    '9007199254740991',
    '9007199254740993',
    '1e308',
    '1e309',
    '-1e309',
    '1e-400',
    '5e-324',
    '11111001',
    '11076010',
    '100000000000000000000000000000000000000000000000000',
  ),
);

const scalar: fc.Arbitrary<JsonNode> = fc.oneof(
  numberText.map((raw) => ({ t: 'num' as const, raw })),
  weirdString.map((v) => ({ t: 'str' as const, v })),
  fc.constantFrom<JsonNode>({ t: 'lit', v: 'true' }, { t: 'lit', v: 'false' }, { t: 'lit', v: 'null' }),
);

/** Any JSON value, keys drawn from `keys` (the route's own field names) and from the poison keys. */
export function jsonNode(keys: readonly string[] = [], maxDepth = 4): fc.Arbitrary<JsonNode> {
  const key = fc.oneof(
    { weight: 3, arbitrary: keys.length > 0 ? fc.constantFrom(...keys) : fc.string({ maxLength: 8 }) },
    { weight: 1, arbitrary: fc.constantFrom(...POISON_KEYS) },
    { weight: 1, arbitrary: fc.string({ maxLength: 12 }) },
  );
  const { node } = fc.letrec<{ node: JsonNode }>((tie) => ({
    node: fc.oneof(
      { maxDepth, depthIdentifier: 'json' },
      scalar,
      fc.array(tie('node'), { maxLength: 5 }).map((items) => ({ t: 'arr' as const, items })),
      fc
        .array(fc.tuple(key, tie('node')), { maxLength: 6 })
        .map((entries) => ({ t: 'obj' as const, entries })),
    ),
  }));
  return node;
}

function resolve(schema: Json, root: Json): Json {
  const ref = schema['$ref'];
  if (typeof ref === 'string' && ref.startsWith('#/components/schemas/')) {
    const name = ref.slice('#/components/schemas/'.length);
    return ((root['components'] as Json | undefined)?.['schemas'] as Json | undefined)?.[name] as Json;
  }
  return schema;
}

/** A value the schema probably accepts: an enum member, a number in range, a short string, a small object. */
export function plausible(schema: Json | undefined, depth = 0): fc.Arbitrary<JsonNode> {
  if (!schema || depth > 4) return scalar;
  const anyOf = (schema['anyOf'] ?? schema['oneOf']) as Json[] | undefined;
  if (anyOf && anyOf.length > 0) return fc.oneof(...anyOf.map((s) => plausible(s, depth + 1)));
  const en = schema['enum'] as unknown[] | undefined;
  if (en && en.length > 0) {
    return fc
      .constantFrom(...en)
      .map((v) =>
        typeof v === 'string' ? { t: 'str' as const, v } : { t: 'num' as const, raw: JSON.stringify(v) },
      );
  }
  switch (schema['type']) {
    case 'integer':
    case 'number': {
      const min = typeof schema['minimum'] === 'number' ? schema['minimum'] : -5;
      const max = typeof schema['maximum'] === 'number' ? schema['maximum'] : min + 100;
      return fc
        .integer({ min: Math.ceil(min), max: Math.max(Math.ceil(min), Math.floor(Math.min(max, min + 1e6))) })
        .map((n) => ({ t: 'num' as const, raw: String(n) }));
    }
    case 'boolean':
      return fc.boolean().map((b) => ({ t: 'lit' as const, v: b ? ('true' as const) : ('false' as const) }));
    case 'string': {
      const min = typeof schema['minLength'] === 'number' ? schema['minLength'] : 0;
      const max = typeof schema['maxLength'] === 'number' ? schema['maxLength'] : 16;
      return fc
        .string({ minLength: min, maxLength: Math.max(min, Math.min(max, 24)) })
        .map((v) => ({ t: 'str' as const, v }));
    }
    case 'array':
      return fc
        .array(plausible(schema['items'] as Json | undefined, depth + 1), { minLength: 1, maxLength: 3 })
        .map((items) => ({ t: 'arr' as const, items }));
    case 'object':
    default: {
      const props = (schema['properties'] as Record<string, Json> | undefined) ?? {};
      const names = Object.keys(props);
      if (names.length === 0) return scalar;
      return fc
        .tuple(...names.map((n) => fc.option(plausible(props[n], depth + 1), { nil: undefined, freq: 3 })))
        .map((values) => ({
          t: 'obj' as const,
          entries: names.flatMap((n, i) => (values[i] ? [[n, values[i]] as [string, JsonNode]] : [])),
        }));
    }
  }
}

/**
 * A body shaped after `schema`: plausible values, with some fields replaced by hostile ones (any JSON, a poison
 * key, a duplicate of the field with another value, a huge string), and sometimes extra fields.
 */
export function shapedBody(schema: Json | undefined, root: Json): fc.Arbitrary<JsonNode> {
  const resolved = schema ? resolve(schema, root) : undefined;
  const props = Object.keys((resolved?.['properties'] as Json | undefined) ?? {});
  return fc
    .tuple(
      plausible(resolved),
      fc.array(
        fc.tuple(
          fc.constantFrom('replace', 'duplicate-before', 'duplicate-after', 'extra', 'poison'),
          props.length > 0 ? fc.constantFrom(...props) : fc.constant('x'),
          jsonNode(props, 3),
        ),
        { maxLength: 3 },
      ),
    )
    .map(([base, mutations]) => {
      if (base.t !== 'obj') return base;
      let entries = [...base.entries];
      for (const [kind, name, value] of mutations) {
        if (kind === 'replace') entries = entries.filter(([k]) => k !== name).concat([[name, value]]);
        else if (kind === 'duplicate-before') entries.unshift([name, value]);
        else if (kind === 'duplicate-after') entries.push([name, value]);
        else if (kind === 'extra') entries.push([`x${name}`, value]);
        else
          entries.push([
            '__proto__',
            {
              t: 'obj',
              entries: [
                [name, value],
                ['polluted', value],
              ],
            },
          ]);
      }
      return { t: 'obj' as const, entries };
    });
}

/** Byte sequences that are not UTF-8: a lone continuation byte, overlong forms, surrogates, truncations, 0xff. */
export const INVALID_UTF8: readonly Buffer[] = [
  Buffer.from([0xff]),
  Buffer.from([0xfe, 0xff]),
  Buffer.from([0x80]),
  Buffer.from([0xc0, 0xaf]),
  Buffer.from([0xe0, 0x80, 0xaf]),
  Buffer.from([0xed, 0xa0, 0x80]),
  Buffer.from([0xf4, 0x90, 0x80, 0x80]),
  Buffer.from([0xe2, 0x82]),
  Buffer.from([0xc3, 0x28]),
];

/** Puts an invalid UTF-8 sequence inside the first string literal of `text` (or at the end of it). */
export function withInvalidUtf8(text: string, bad: Buffer, at: number): Buffer {
  const quote = text.indexOf('"', Math.min(at, Math.max(0, text.length - 1)));
  const cut = quote >= 0 ? quote + 1 : text.length;
  return Buffer.concat([Buffer.from(text.slice(0, cut)), bad, Buffer.from(text.slice(cut))]);
}

/** Bodies as raw bytes, for one route. */
export function rawBody(schema: Json | undefined, root: Json, maxBodyBytes: number): fc.Arbitrary<Buffer> {
  const shaped = shapedBody(schema, root).map(toText);
  return fc.oneof(
    { weight: 8, arbitrary: shaped.map((t) => Buffer.from(t)) },
    { weight: 2, arbitrary: jsonNode([], 4).map((n) => Buffer.from(toText(n))) },
    // Deep nesting, as text: arrays and objects, alone or under a field of the route.
    {
      weight: 2,
      arbitrary: fc
        .tuple(
          fc.constantFrom(100, 1_000, 10_000, 100_000, Math.floor(maxBodyBytes / 2.2)),
          fc.constantFrom('array', 'object', 'field'),
        )
        .map(([n, kind]) => {
          if (kind === 'array') return Buffer.from('['.repeat(n) + ']'.repeat(n));
          const depth = Math.floor(n / 3);
          const nested = '{"a":'.repeat(depth) + '0' + '}'.repeat(depth);
          const field = Object.keys((schema?.['properties'] as Json | undefined) ?? {})[0] ?? 'x';
          return Buffer.from(kind === 'object' ? nested : `{"${field}":${nested}}`);
        }),
    },
    // Prototype pollution, at the top and nested.
    {
      weight: 2,
      arbitrary: fc
        .tuple(fc.constantFrom(...POISON_KEYS), shaped)
        .map(([key, text]) =>
          Buffer.from(
            text.startsWith('{') && text.length > 2
              ? `{"${key}":{"polluted":"yes","isAdmin":true},${text.slice(1)}`
              : `{"${key}":{"prototype":{"polluted":"yes"}}}`,
          ),
        ),
    },
    // Not UTF-8.
    {
      weight: 2,
      arbitrary: fc
        .tuple(shaped, fc.constantFrom(...INVALID_UTF8), fc.nat())
        .map(([text, bad, at]) => withInvalidUtf8(text, bad, at % Math.max(1, text.length))),
    },
    // Not JSON at all: truncated, random bytes, other top-level values, a BOM.
    {
      weight: 2,
      arbitrary: fc.oneof(
        fc.tuple(shaped, fc.nat()).map(([t, n]) => Buffer.from(t.slice(0, n % Math.max(1, t.length)))),
        fc.uint8Array({ maxLength: 300 }).map((a) => Buffer.from(a)),
        fc
          .constantFrom('', ' ', '1', '"x"', 'null', '[]', 'true', '\ufeff{}', '{"a":1', 'undefined')
          .map((t) => Buffer.from(t)),
      ),
    },
    // Large, under and over the limit.
    {
      weight: 1,
      arbitrary: fc
        .constantFrom(maxBodyBytes - 100, maxBodyBytes + 1, maxBodyBytes * 2)
        .map((n) => Buffer.from(`{"x":"${'a'.repeat(Math.max(0, n - 8))}"}`)),
    },
  );
}

export const contentType = fc.oneof(
  { weight: 10, arbitrary: fc.constant('application/json') },
  { weight: 3, arbitrary: fc.constant('application/json;charset=UTF-8') },
  {
    weight: 3,
    arbitrary: fc.constantFrom(
      undefined,
      '',
      'APPLICATION/JSON',
      'application/json; charset=utf-16',
      'application/json; charset=latin1',
      'application/json, text/plain',
      'text/plain',
      'text/html',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=xyz',
      'application/octet-stream',
      'application/vnd.api+json',
      'application/jsonx',
      '*/*',
      ';;;',
    ),
  },
);

/** A header value fetch can send (bytes 0x20–0x7e and 0x80–0xff, no control characters). */
export const headerValue = fc.oneof(
  { weight: 4, arbitrary: fc.string({ maxLength: 40 }).map(latin1Safe) },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      '',
      ' ',
      '1',
      '0',
      '-1',
      'null',
      'Basic ',
      'Basic Og==',
      'Basic !!!',
      'HMAC-SHA256 signature=00,access=',
      'HMAC-SHA256 signature=' + '0'.repeat(64),
      '__proto__',
      'ÿÿÿ',
    ),
  },
  { weight: 1, arbitrary: fc.integer({ min: 500, max: 9_000 }).map((n) => 'A'.repeat(n)) },
);

function latin1Safe(s: string): string {
  return [...s]
    .map((c) => {
      const code = c.codePointAt(0) ?? 0x20;
      return code >= 0x20 && code <= 0x7e ? c : String.fromCharCode(0xa0 + (code % 0x60));
    })
    .join('')
    .trim();
}

/** Percent-encodes every code unit; a lone surrogate becomes its (invalid) three-byte UTF-8 form. */
export function percentEncode(s: string): string {
  let out = '';
  for (const c of s) {
    const code = c.codePointAt(0) ?? 0;
    if (code >= 0xd800 && code <= 0xdfff) {
      out += [0xe0 | (code >> 12), 0x80 | ((code >> 6) & 0x3f), 0x80 | (code & 0x3f)]
        .map((b) => `%${b.toString(16).toUpperCase()}`)
        .join('');
    } else out += encodeURIComponent(c);
  }
  return out;
}

/** One query component as it goes on the wire: percent-encoded, or deliberately broken. */
export const queryValue = (valid: readonly string[]) =>
  fc.oneof(
    {
      weight: 4,
      arbitrary: (valid.length > 0 ? fc.constantFrom(...valid) : fc.constant('1')).map(encodeURIComponent),
    },
    { weight: 4, arbitrary: weirdString.map((s) => percentEncode(s.slice(0, 3000))) },
    {
      weight: 1,
      arbitrary: fc.constantFrom('%', '%zz', '%ff%fe', '%00', '%C0%AF', '+', '%2', '&&', '=', '%u0041'),
    },
  );

export function queryString(names: readonly string[], valid: readonly string[]): fc.Arbitrary<string> {
  const name = fc.oneof(
    { weight: 5, arbitrary: names.length > 0 ? fc.constantFrom(...names) : fc.constant('conferenceID') },
    { weight: 1, arbitrary: fc.constantFrom(...POISON_KEYS, 'conferenceID[]', 'a[b]', '') },
  );
  return fc
    .array(fc.tuple(name, queryValue(valid)), { maxLength: 6 })
    .map((pairs) => pairs.map(([k, v]) => `${percentEncode(k)}=${v}`).join('&'));
}
