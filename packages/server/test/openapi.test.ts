/**
 * The OpenAPI document: every route the node registers is in `/openapi.json` with its method, and the document is
 * a structurally valid OpenAPI 3.0 document (required fields, responses, resolvable `$ref`s, declared path
 * parameters, OpenAPI 3.0 schema keywords only, known security schemes). Routes are collected with an `onRoute`
 * hook added to every Fastify instance the node creates, so a route added anywhere, by anyone, is checked.
 */
import { Type, type TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import type { FastifyInstance } from 'fastify';
import { describe, expect, it, vi } from 'vitest';
import { startTestServer } from './helpers.js';

interface SeenRoute {
  /** The Fastify instance (root) the route was registered on. */
  root: object;
  method: string;
  url: string;
  hidden: boolean;
}

const seen = vi.hoisted(() => [] as SeenRoute[]);

vi.mock('fastify', async (importOriginal) => {
  const original = await importOriginal<typeof import('fastify')>();
  const create = original.default as unknown as (...args: unknown[]) => FastifyInstance;
  const wrapped = (...args: unknown[]): FastifyInstance => {
    const app = create(...args);
    app.addHook('onRoute', (route) => {
      const methods = Array.isArray(route.method) ? route.method : [route.method];
      const hidden = (route.schema as { hide?: boolean } | undefined)?.hide === true;
      for (const method of methods)
        seen.push({ root: app, method: String(method).toUpperCase(), url: route.url, hidden });
    });
    return app;
  };
  return { ...original, default: wrapped };
});

// --- a structural schema of OpenAPI 3.0 (the fields the specification requires, and their types) -----------------

const ResponseSchema = Type.Object(
  {
    description: Type.String(),
    headers: Type.Optional(Type.Record(Type.String(), Type.Object({}))),
    content: Type.Optional(
      Type.Record(Type.String(), Type.Object({ schema: Type.Optional(Type.Object({})) })),
    ),
    links: Type.Optional(Type.Object({})),
  },
  { additionalProperties: false },
);

const ParameterSchema = Type.Object(
  {
    name: Type.String({ minLength: 1 }),
    in: Type.Union([
      Type.Literal('query'),
      Type.Literal('header'),
      Type.Literal('path'),
      Type.Literal('cookie'),
    ]),
    description: Type.Optional(Type.String()),
    required: Type.Optional(Type.Boolean()),
    deprecated: Type.Optional(Type.Boolean()),
    allowEmptyValue: Type.Optional(Type.Boolean()),
    style: Type.Optional(Type.String()),
    explode: Type.Optional(Type.Boolean()),
    schema: Type.Optional(Type.Object({})),
    content: Type.Optional(Type.Record(Type.String(), Type.Object({}))),
    example: Type.Optional(Type.Unknown()),
  },
  { additionalProperties: false },
);

const OperationSchema = Type.Object(
  {
    tags: Type.Optional(Type.Array(Type.String())),
    summary: Type.Optional(Type.String()),
    description: Type.Optional(Type.String()),
    operationId: Type.Optional(Type.String()),
    parameters: Type.Optional(Type.Array(ParameterSchema)),
    requestBody: Type.Optional(
      Type.Object(
        {
          description: Type.Optional(Type.String()),
          content: Type.Record(Type.String(), Type.Object({ schema: Type.Optional(Type.Object({})) })),
          required: Type.Optional(Type.Boolean()),
        },
        { additionalProperties: false },
      ),
    ),
    responses: Type.Record(Type.String({ pattern: '^([1-5][0-9][0-9]|[1-5]XX|default)$' }), ResponseSchema, {
      minProperties: 1,
    }),
    deprecated: Type.Optional(Type.Boolean()),
    security: Type.Optional(Type.Array(Type.Record(Type.String(), Type.Array(Type.String())))),
    externalDocs: Type.Optional(Type.Object({ url: Type.String() })),
    servers: Type.Optional(Type.Array(Type.Object({ url: Type.String() }))),
  },
  { additionalProperties: false },
);

const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;

const PathItemSchema = Type.Object(
  {
    ...Object.fromEntries(HTTP_METHODS.map((m) => [m, Type.Optional(OperationSchema)])),
    summary: Type.Optional(Type.String()),
    description: Type.Optional(Type.String()),
    parameters: Type.Optional(Type.Array(ParameterSchema)),
  },
  { additionalProperties: false },
);

const DocumentSchema = Type.Object(
  {
    openapi: Type.String({ pattern: '^3\\.0\\.\\d+$' }),
    info: Type.Object({
      title: Type.String({ minLength: 1 }),
      version: Type.String({ minLength: 1 }),
      description: Type.Optional(Type.String()),
    }),
    servers: Type.Optional(Type.Array(Type.Object({ url: Type.String() }))),
    paths: Type.Record(Type.String({ pattern: '^/' }), PathItemSchema),
    components: Type.Optional(
      Type.Object({
        schemas: Type.Optional(Type.Record(Type.String(), Type.Object({}))),
        securitySchemes: Type.Optional(
          Type.Record(
            Type.String(),
            Type.Union([
              Type.Object({
                type: Type.Literal('apiKey'),
                name: Type.String(),
                in: Type.Union([Type.Literal('header'), Type.Literal('query'), Type.Literal('cookie')]),
              }),
              Type.Object({ type: Type.Literal('http'), scheme: Type.String() }),
            ]),
          ),
        ),
      }),
    ),
    security: Type.Optional(Type.Array(Type.Record(Type.String(), Type.Array(Type.String())))),
    tags: Type.Optional(
      Type.Array(Type.Object({ name: Type.String(), description: Type.Optional(Type.String()) })),
    ),
    externalDocs: Type.Optional(Type.Object({ url: Type.String() })),
  },
  { additionalProperties: false },
);

type Json = Record<string, unknown>;
type OpenApiDocument = Json & {
  paths: Record<string, Record<string, Json>>;
  components?: { securitySchemes?: Record<string, unknown> };
  tags?: { name: string }[];
};

/** Keywords of an OpenAPI 3.0 Schema Object (a subset of JSON Schema, plus OpenAPI's own). */
const SCHEMA_KEYWORDS = new Set([
  '$ref',
  'title',
  'multipleOf',
  'maximum',
  'exclusiveMaximum',
  'minimum',
  'exclusiveMinimum',
  'maxLength',
  'minLength',
  'pattern',
  'maxItems',
  'minItems',
  'uniqueItems',
  'maxProperties',
  'minProperties',
  'required',
  'enum',
  'type',
  'allOf',
  'oneOf',
  'anyOf',
  'not',
  'items',
  'properties',
  'additionalProperties',
  'description',
  'format',
  'default',
  'nullable',
  'discriminator',
  'readOnly',
  'writeOnly',
  'xml',
  'externalDocs',
  'example',
  'deprecated',
]);
const SCHEMA_TYPES = new Set(['string', 'number', 'integer', 'boolean', 'array', 'object']);

function isObject(value: unknown): value is Json {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function resolveRef(document: unknown, ref: string): unknown {
  if (!ref.startsWith('#/')) return undefined;
  let node: unknown = document;
  for (const raw of ref.slice(2).split('/')) {
    const key = raw.replaceAll('~1', '/').replaceAll('~0', '~');
    if (!isObject(node) || !(key in node)) return undefined;
    node = node[key];
  }
  return node;
}

/** Problems of a Schema Object and everything nested in it. */
function schemaProblems(document: unknown, schema: unknown, at: string, out: string[]): void {
  if (!isObject(schema)) {
    out.push(`${at}: schema is not an object`);
    return;
  }
  for (const key of Object.keys(schema)) {
    if (!SCHEMA_KEYWORDS.has(key) && !key.startsWith('x-'))
      out.push(`${at}: "${key}" is not an OpenAPI 3.0 keyword`);
  }
  if (typeof schema['$ref'] === 'string') {
    if (resolveRef(document, schema['$ref']) === undefined)
      out.push(`${at}: unresolved $ref ${schema['$ref']}`);
    return;
  }
  const type = schema['type'];
  if (type !== undefined && (typeof type !== 'string' || !SCHEMA_TYPES.has(type))) {
    out.push(`${at}: type ${JSON.stringify(type)} is not an OpenAPI 3.0 type`);
  }
  if (type === 'array' && schema['items'] === undefined) out.push(`${at}: array without items`);
  for (const flag of ['exclusiveMaximum', 'exclusiveMinimum', 'nullable', 'readOnly', 'writeOnly']) {
    if (flag in schema && typeof schema[flag] !== 'boolean') out.push(`${at}: ${flag} must be a boolean`);
  }
  const required = schema['required'];
  if (
    required !== undefined &&
    (!Array.isArray(required) || required.length === 0 || !required.every((r) => typeof r === 'string'))
  ) {
    out.push(`${at}: required must be a non-empty array of names`);
  }
  if (schema['enum'] !== undefined && (!Array.isArray(schema['enum']) || schema['enum'].length === 0)) {
    out.push(`${at}: enum must be a non-empty array`);
  }
  const properties = schema['properties'];
  if (properties !== undefined) {
    if (!isObject(properties)) out.push(`${at}: properties is not an object`);
    else
      for (const [name, s] of Object.entries(properties))
        schemaProblems(document, s, `${at}.properties.${name}`, out);
  }
  for (const key of ['items', 'not']) {
    if (schema[key] !== undefined) schemaProblems(document, schema[key], `${at}.${key}`, out);
  }
  const additional = schema['additionalProperties'];
  if (additional !== undefined && typeof additional !== 'boolean') {
    schemaProblems(document, additional, `${at}.additionalProperties`, out);
  }
  for (const key of ['allOf', 'oneOf', 'anyOf']) {
    const list = schema[key];
    if (list === undefined) continue;
    if (!Array.isArray(list) || list.length === 0) out.push(`${at}.${key}: must be a non-empty array`);
    else list.forEach((s, i) => schemaProblems(document, s, `${at}.${key}[${i}]`, out));
  }
}

/** Every `$ref` anywhere in the document resolves. */
function unresolvedRefs(document: unknown): string[] {
  const out: string[] = [];
  const walk = (node: unknown, at: string): void => {
    if (Array.isArray(node)) node.forEach((n, i) => walk(n, `${at}[${i}]`));
    else if (isObject(node)) {
      for (const [k, v] of Object.entries(node)) {
        if (k === '$ref' && (typeof v !== 'string' || resolveRef(document, v) === undefined)) {
          out.push(`${at}: unresolved $ref ${String(v)}`);
        } else walk(v, `${at}.${k}`);
      }
    }
  };
  walk(document, '#');
  return out;
}

/** Everything the structural schema cannot say. */
function semanticProblems(document: OpenApiDocument): string[] {
  const out: string[] = [...unresolvedRefs(document)];
  const schemes = new Set(Object.keys(document.components?.securitySchemes ?? {}));
  const operationIds = new Set<string>();
  for (const [name, schema] of Object.entries(
    (document.components as { schemas?: Record<string, unknown> } | undefined)?.schemas ?? {},
  )) {
    schemaProblems(document, schema, `#/components/schemas/${name}`, out);
  }
  for (const [path, item] of Object.entries(document.paths)) {
    const templated = [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]!);
    for (const method of HTTP_METHODS) {
      const op = item[method] as Json | undefined;
      if (!op) continue;
      const at = `${method.toUpperCase()} ${path}`;
      const params = [
        ...((item['parameters'] as Json[] | undefined) ?? []),
        ...((op['parameters'] as Json[] | undefined) ?? []),
      ];
      const declared = params.filter((p) => p['in'] === 'path').map((p) => String(p['name']));
      for (const name of templated) {
        if (!declared.includes(name)) out.push(`${at}: path parameter {${name}} is not declared`);
      }
      for (const p of params) {
        if (p['in'] === 'path' && !templated.includes(String(p['name']))) {
          out.push(`${at}: path parameter ${String(p['name'])} is not in the path`);
        }
        if (p['in'] === 'path' && p['required'] !== true) {
          out.push(`${at}: path parameter ${String(p['name'])} must be required`);
        }
        if ((p['schema'] === undefined) === (p['content'] === undefined)) {
          out.push(`${at}: parameter ${String(p['name'])} needs exactly one of schema and content`);
        }
        if (p['schema'] !== undefined)
          schemaProblems(document, p['schema'], `${at} parameter ${String(p['name'])}`, out);
      }
      const keys = params.map((p) => `${String(p['in'])}:${String(p['name'])}`);
      if (new Set(keys).size !== keys.length) out.push(`${at}: duplicate parameters`);
      const id = op['operationId'];
      if (typeof id === 'string') {
        if (operationIds.has(id)) out.push(`${at}: duplicate operationId ${id}`);
        operationIds.add(id);
      }
      for (const requirement of (op['security'] as Record<string, string[]>[] | undefined) ?? []) {
        for (const scheme of Object.keys(requirement)) {
          if (!schemes.has(scheme)) out.push(`${at}: unknown security scheme ${scheme}`);
        }
      }
      const contents: [string, unknown][] = [];
      const body = op['requestBody'] as { content?: Record<string, { schema?: unknown }> } | undefined;
      for (const [type, media] of Object.entries(body?.content ?? {}))
        contents.push([`body ${type}`, media.schema]);
      for (const [status, response] of Object.entries(op['responses'] as Record<string, Json>)) {
        const content = (response['content'] as Record<string, { schema?: unknown }> | undefined) ?? {};
        for (const [type, media] of Object.entries(content))
          contents.push([`${status} ${type}`, media.schema]);
      }
      for (const [where, schema] of contents) {
        if (schema !== undefined) schemaProblems(document, schema, `${at} ${where}`, out);
      }
    }
  }
  return out;
}

/** Specification extensions (`x-…`) are allowed on every object; the structural schema leaves them out. */
function withoutExtensions(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutExtensions);
  if (!isObject(value)) return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([k]) => !k.startsWith('x-'))
      .map(([k, v]) => [k, withoutExtensions(v)]),
  );
}

function structuralProblems(schema: TSchema, value: unknown): string[] {
  return [...Value.Errors(schema, withoutExtensions(value))]
    .slice(0, 20)
    .map((e) => `${e.path}: ${e.message}`);
}

/** Fastify `/a/:id` → OpenAPI `/a/{id}`. */
function openApiPath(url: string): string {
  return url.replace(/:([A-Za-z0-9_]+)(\([^)]*\))?/g, '{$1}');
}

describe('OpenAPI document', () => {
  it('lists every registered route with its method, and is a valid OpenAPI 3.0 document', async () => {
    const server = await startTestServer();
    const routes = seen.filter((r) => r.root === server.node.api);
    const res = await fetch(`${server.url}/openapi.json`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/application\/json/);
    const document = (await res.json()) as OpenApiDocument;

    // The hook saw the node's routes (the mock worked), including the Huawei token chain.
    const get = new Set(routes.filter((r) => r.method === 'GET').map((r) => r.url));
    expect(get.has('/v1/mmc/control/conferences/token')).toBe(true);

    // Every route is documented with its method, except those hidden on purpose (`schema.hide`: the documents
    // themselves, static files), wildcard routes, and the HEAD twins Fastify adds to GET routes.
    const missing: string[] = [];
    for (const route of routes) {
      if (route.hidden || route.url.includes('*')) continue;
      if (route.method === 'HEAD' && get.has(route.url)) continue;
      const item = document.paths[openApiPath(route.url)];
      if (!item?.[route.method.toLowerCase()]) missing.push(`${route.method} ${route.url}`);
    }
    expect(missing).toEqual([]);

    // The documents and the UI are hidden routes; operations endpoints are documented.
    const hidden = new Set(routes.filter((r) => r.hidden).map((r) => r.url));
    for (const url of ['/openapi.json', '/asyncapi.yaml', '/docs/json'])
      expect(hidden.has(url), url).toBe(true);
    for (const url of ['/healthz', '/readyz', '/metrics'])
      expect(document.paths[url]?.['get'], url).toBeDefined();

    expect(structuralProblems(DocumentSchema, document)).toEqual([]);
    expect(semanticProblems(document)).toEqual([]);
  });

  it('the validation catches broken documents (so that passing means something)', async () => {
    const server = await startTestServer();
    const good = (await (await fetch(`${server.url}/openapi.json`)).json()) as OpenApiDocument;
    const broken = (mutate: (d: OpenApiDocument) => void): string[] => {
      const d = structuredClone(good);
      mutate(d);
      return [...structuralProblems(DocumentSchema, d), ...semanticProblems(d)];
    };
    const op = (d: OpenApiDocument) => d.paths['/v1/mmc/control/conferences/token']!['get']!;
    expect(broken(() => undefined)).toEqual([]);
    expect(broken((d) => delete d['info'])).not.toEqual([]);
    expect(broken((d) => (op(d)['responses'] = {}))).not.toEqual([]);
    expect(
      broken((d) => (d.paths['/x/{id}'] = { get: { responses: { 200: { description: 'ok' } } } })),
    ).toEqual(['GET /x/{id}: path parameter {id} is not declared']);
    expect(
      broken(
        (d) =>
          (op(d)['responses'] = {
            200: {
              description: 'ok',
              content: { 'application/json': { schema: { $ref: '#/components/schemas/nope' } } },
            },
          }),
      ),
    ).toContain(
      '#.paths./v1/mmc/control/conferences/token.get.responses.200.content.application/json.schema: unresolved $ref #/components/schemas/nope',
    );
    expect(
      broken(
        (d) =>
          (op(d)['responses'] = {
            200: {
              description: 'ok',
              content: { 'application/json': { schema: { const: 1, type: ['string', 'null'] } } },
            },
          }),
      ),
    ).toEqual([
      'GET /v1/mmc/control/conferences/token 200 application/json: "const" is not an OpenAPI 3.0 keyword',
      'GET /v1/mmc/control/conferences/token 200 application/json: type ["string","null"] is not an OpenAPI 3.0 type',
    ]);
    expect(broken((d) => (op(d)['security'] = [{ nope: [] }]))).toEqual([
      'GET /v1/mmc/control/conferences/token: unknown security scheme nope',
    ]);
  });

  it('separates Huawei-compatible and confpush paths by tag, and declares the security of each', async () => {
    const server = await startTestServer();
    const document = (await (await fetch(`${server.url}/openapi.json`)).json()) as OpenApiDocument;
    const listed = (document.tags ?? []).map((t) => t.name);
    // Huawei's path families carry a `huawei: …` tag, confpush's own API a `confpush: …` tag; every tag used is in
    // the document's tag list. (Other paths, e.g. a web page, need no family tag.)
    const family = (path: string): string | undefined =>
      /^\/v\d+\/(usg|mmc)\//.test(path)
        ? 'huawei: '
        : path.startsWith('/confpush/')
          ? 'confpush: '
          : undefined;
    const wrong: string[] = [];
    for (const [path, item] of Object.entries(document.paths)) {
      for (const [method, op] of Object.entries(item)) {
        const tags = (op['tags'] as string[] | undefined) ?? [];
        const prefix = family(path);
        const ok =
          tags.every((t) => listed.includes(t)) && (!prefix || tags.some((t) => t.startsWith(prefix)));
        if (!ok) wrong.push(`${method.toUpperCase()} ${path} ${JSON.stringify(tags)}`);
      }
    }
    expect(wrong).toEqual([]);
    // Huawei-compatible tags first, then confpush's own, and an x-tagGroups entry for each family.
    const rank = (t: string) => (t.startsWith('huawei:') ? 0 : t.startsWith('confpush:') ? 1 : 2);
    expect(listed.map(rank)).toEqual(listed.map(rank).sort());
    const groups = document['x-tagGroups'] as { name: string; tags: string[] }[];
    expect(groups.slice(0, 2).map((g) => g.name)).toEqual(['Huawei-compatible', 'confpush']);
    expect(groups[0]!.tags).toEqual(listed.filter((t) => rank(t) === 0));
    expect(groups[1]!.tags).toEqual(listed.filter((t) => rank(t) === 1));

    const schemes = document.components?.securitySchemes as Record<
      string,
      { name?: string; scheme?: string }
    >;
    expect(Object.values(schemes).map((s) => s.name ?? s.scheme)).toEqual(
      expect.arrayContaining(['X-Access-Token', 'X-Conference-Authorization', 'Authorization', 'basic']),
    );
    const security = (path: string, method: string) => document.paths[path]?.[method]?.['security'];
    expect(security('/v2/usg/acs/auth/appauth', 'post')).toEqual([{ appAuth: [] }]);
    expect(security('/v1/mmc/management/conferences', 'post')).toEqual([{ accessToken: [] }]);
    expect(security('/v1/mmc/control/conferences/wsToken', 'get')).toEqual([{ conferenceAuthorization: [] }]);
    expect(security('/v1/mmc/control/conferences/token', 'get')).toEqual([
      { conferencePassword: [] },
      { conferenceAuthorization: [] },
    ]);
  });

  it('serves the browsable UI from the package and links the AsyncAPI document', async () => {
    const server = await startTestServer();
    const page = await fetch(`${server.url}/docs/`);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('swagger-ui');
    expect(html).not.toMatch(/https?:\/\/(unpkg|cdn|cdnjs)/);
    const asset = await fetch(`${server.url}/docs/static/swagger-ui-bundle.js`);
    expect(asset.status).toBe(200);
    await asset.arrayBuffer();
    const document = (await (await fetch(`${server.url}/docs/json`)).json()) as {
      info: { description: string };
    };
    expect(document.info.description).toContain('/asyncapi.yaml');
    const asyncApi = await fetch(`${server.url}/asyncapi.yaml`);
    expect(asyncApi.status).toBe(200);
    expect(asyncApi.headers.get('content-type')).toMatch(/yaml/);
    expect(await asyncApi.text()).toMatch(/^asyncapi: 3\.0\.0$/m);
  });
});
