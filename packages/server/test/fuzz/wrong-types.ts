/**
 * The "wrong JSON type" class of body fuzzing (issue 12): for a route's body schema, every field (nested ones in
 * objects and array items included) with every JSON value of a type its schema does not allow — null (in a
 * required field; null in an optional one counts as absent), a boolean, a numeric string, a float, an array, an
 * object — placed into the smallest valid body, so that the wrong type is the only fault.
 */
import type { Json } from './routes.js';
import { minimalValid, type ValidContext } from './valid.js';

export const WRONG_VALUES: readonly { label: string; value: unknown; type: string }[] = [
  { label: 'null', value: null, type: 'null' },
  { label: 'a boolean', value: true, type: 'boolean' },
  { label: 'a numeric string', value: '1', type: 'string' },
  { label: 'a float', value: 1.5, type: 'number' },
  { label: 'an array', value: [1], type: 'array' },
  { label: 'an object', value: { v: 1 }, type: 'object' },
];

export interface WrongTypeCase {
  /** e.g. `attendees.0.isMute` */
  field: string;
  /** The last name of the path, which the error message must name. */
  name: string;
  label: string;
  body: unknown;
}

type Path = (string | number)[];

function resolve(schema: Json, root: Json): Json {
  const ref = schema['$ref'];
  if (typeof ref === 'string' && ref.startsWith('#/components/schemas/')) {
    const target = ((root['components'] as Json | undefined)?.['schemas'] as Json | undefined)?.[
      ref.slice('#/components/schemas/'.length)
    ];
    if (target) return resolve(target as Json, root);
  }
  return schema;
}

/** The JSON types a schema allows (`integer` stands for whole numbers only), or undefined when it says nothing. */
function typesOf(schema: Json, root: Json): Set<string> | undefined {
  const s = resolve(schema, root);
  const alternatives = (s['anyOf'] ?? s['oneOf']) as Json[] | undefined;
  if (alternatives) {
    const all = new Set<string>();
    for (const a of alternatives) {
      const t = typesOf(a, root);
      if (!t) return undefined;
      for (const x of t) all.add(x);
    }
    return all;
  }
  const type = s['type'];
  if (typeof type === 'string') return new Set([type]);
  if (Array.isArray(type)) return new Set(type as string[]);
  if ('const' in s) return new Set([jsonType(s['const'])]);
  const en = s['enum'] as unknown[] | undefined;
  if (en) return new Set(en.map(jsonType));
  return undefined;
}

function jsonType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

function isWrong(candidate: string, allowed: Set<string>, required: boolean): boolean {
  if (candidate === 'null') return required && !allowed.has('null');
  if (candidate === 'number') return !allowed.has('number');
  return !allowed.has(candidate);
}

/** The object schema of a body (the object alternative of `object | null`). */
function objectOf(schema: Json | undefined, root: Json): Json | undefined {
  if (!schema) return undefined;
  const s = resolve(schema, root);
  if (s['properties']) return s;
  const alternatives = (s['anyOf'] ?? s['oneOf']) as Json[] | undefined;
  return alternatives?.map((a) => resolve(a, root)).find((a) => a['properties']);
}

interface Slot {
  path: Path;
  schema: Json;
  required: boolean;
}

function slots(schema: Json, root: Json, path: Path, depth: number): Slot[] {
  const object = objectOf(schema, root);
  if (!object || depth > 3) return [];
  const required = new Set((object['required'] as string[] | undefined) ?? []);
  const out: Slot[] = [];
  for (const [key, sub] of Object.entries((object['properties'] as Record<string, Json>) ?? {})) {
    const here = [...path, key];
    out.push({ path: here, schema: sub, required: required.has(key) });
    const s = resolve(sub, root);
    if (s['type'] === 'array' && s['items'])
      out.push(...slots(s['items'] as Json, root, [...here, 0], depth + 1));
    else out.push(...slots(sub, root, here, depth + 1));
  }
  return out;
}

/** Sets `value` at `path` in a copy of `body`, building the containers on the way from their smallest valid form. */
function placed(
  body: unknown,
  path: Path,
  value: unknown,
  schema: Json,
  root: Json,
  ctx: ValidContext,
): unknown {
  const copy = structuredClone(body) as Record<string | number, unknown>;
  let node: Record<string | number, unknown> = copy;
  let nodeSchema: Json = schema;
  for (let i = 0; i < path.length - 1; i++) {
    const key = path[i]!;
    const childSchema = childOf(nodeSchema, key, root);
    if (node[key] === undefined || node[key] === null || typeof node[key] !== 'object') {
      node[key] = typeof path[i + 1] === 'number' ? [] : minimalValid(childSchema, root, ctx, String(key));
    }
    if (Array.isArray(node[key]) && (node[key] as unknown[]).length === 0) {
      (node[key] as unknown[]).push(minimalValid(childOf(childSchema, 0, root), root, ctx));
    }
    node = node[key] as Record<string | number, unknown>;
    nodeSchema = childSchema;
  }
  node[path[path.length - 1]!] = value;
  return copy;
}

function childOf(schema: Json, key: string | number, root: Json): Json {
  if (typeof key === 'number') return resolve((resolve(schema, root)['items'] as Json) ?? {}, root);
  const object = objectOf(schema, root);
  return resolve(((object?.['properties'] as Record<string, Json>) ?? {})[key] ?? {}, root);
}

/** Every (field, wrong value) case of a body schema. */
export function wrongTypeCases(schema: Json | undefined, root: Json, ctx: ValidContext): WrongTypeCase[] {
  const object = objectOf(schema, root);
  if (!object) return [];
  const base = minimalValid(object, root, ctx);
  const cases: WrongTypeCase[] = [];
  for (const slot of slots(object, root, [], 0)) {
    const allowed = typesOf(slot.schema, root);
    if (!allowed) continue;
    if (allowed.has('integer')) allowed.add('integer');
    for (const wrong of WRONG_VALUES) {
      if (!isWrong(wrong.type, allowed, slot.required)) continue;
      cases.push({
        field: slot.path.join('.'),
        name: String(slot.path.filter((p) => typeof p === 'string').at(-1)),
        label: wrong.label,
        body: placed(base, slot.path, wrong.value, object, root, ctx),
      });
    }
  }
  return cases;
}
