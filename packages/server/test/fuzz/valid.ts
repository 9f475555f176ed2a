/**
 * The smallest body (or parameter value) a route's schema accepts, built from its OpenAPI schema: required fields
 * only, the first enum value, the minimum, a short string — with the meeting, participant and password fields
 * filled from a context, so that a call passes validation and what decides its outcome is who makes it.
 */
import type { Json } from './routes.js';

export interface ValidContext {
  conferenceID: string;
  participantID: string;
  password: string;
}

/** Fields whose schema (a pattern, a cross-field rule) the generic rules cannot satisfy. */
const BY_NAME: Readonly<Record<string, (ctx: ValidContext) => unknown>> = {
  mediaTypes: () => 'HDVideo',
  conferenceID: (ctx) => ctx.conferenceID,
  confID: (ctx) => ctx.conferenceID,
  participantID: (ctx) => ctx.participantID,
  pid: (ctx) => ctx.participantID,
  password: (ctx) => ctx.password,
  pwd: (ctx) => ctx.password,
  guestPwd: () => '123456',
  account: () => `isolation-${Math.random().toString(36).slice(2, 10)}`,
  callNum: () => '+8610000999',
  number: () => '+8610000001',
  phone: () => '+8610000999',
  firstLanguage: () => 'en',
  secondLanguage: () => 'zh',
};

function resolve(schema: Json, root: Json): Json {
  const ref = schema['$ref'];
  if (typeof ref === 'string' && ref.startsWith('#/components/schemas/')) {
    const name = ref.slice('#/components/schemas/'.length);
    const target = ((root['components'] as Json | undefined)?.['schemas'] as Json | undefined)?.[name];
    if (target) return resolve(target as Json, root);
  }
  return schema;
}

export function minimalValid(
  schema: Json | undefined,
  root: Json,
  ctx: ValidContext,
  name?: string,
): unknown {
  if (name && BY_NAME[name]) return BY_NAME[name](ctx);
  if (!schema) return {};
  const s = resolve(schema, root);
  const anyOf = (s['anyOf'] ?? s['oneOf']) as Json[] | undefined;
  if (anyOf?.length) {
    const concrete = anyOf.find((a) => a['type'] !== 'null' && !a['nullable']) ?? anyOf[0]!;
    return minimalValid(concrete, root, ctx, name);
  }
  const en = s['enum'] as unknown[] | undefined;
  if (en?.length) return en.includes(1) ? 1 : en[0];
  if ('const' in s) return s['const'];
  switch (s['type']) {
    case 'integer':
    case 'number':
      return typeof s['minimum'] === 'number'
        ? Math.max(s['minimum'], Math.min(1, (s['maximum'] as number) ?? 1))
        : 1;
    case 'boolean':
      return true;
    case 'string': {
      const min = typeof s['minLength'] === 'number' ? s['minLength'] : 1;
      return 'a'.repeat(Math.max(1, min));
    }
    case 'array': {
      const min = typeof s['minItems'] === 'number' ? s['minItems'] : 0;
      const item = minimalValid(
        s['items'] as Json | undefined,
        root,
        ctx,
        name?.endsWith('s') ? name.slice(0, -1) : undefined,
      );
      return Array.from({ length: Math.max(1, min) }, () => item);
    }
    case 'null':
      return null;
    default: {
      const props = (s['properties'] as Record<string, Json> | undefined) ?? {};
      const required = (s['required'] as string[] | undefined) ?? [];
      const out: Record<string, unknown> = {};
      for (const key of required) out[key] = minimalValid(props[key], root, ctx, key);
      return out;
    }
  }
}
