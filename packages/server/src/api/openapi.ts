/**
 * The API documents of a node: the OpenAPI 3 description of every REST route, generated from the routes' own
 * TypeBox schemas (`GET /openapi.json`, browsable at `/docs`), and the AsyncAPI description of the push socket
 * (`GET /asyncapi.yaml`, the file docs/asyncapi.yaml).
 *
 * `registerOpenApi` must run before any route is registered: @fastify/swagger learns routes from an `onRoute` hook,
 * so a route registered earlier is missing from the document.
 */
import { readFileSync } from 'node:fs';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { ERRORS } from '@confpush/protocol';
import type { FastifySchema } from 'fastify';
import type { Api } from './context.js';
import { restErrorBody } from './errors-plugin.js';

/** Prefix of the tags of Huawei-compatible paths, and of confpush's own. */
export const HUAWEI_TAG_PREFIX = 'huawei:';
export const CONFPUSH_TAG_PREFIX = 'confpush:';

export const OPENAPI_PATH = '/openapi.json';
export const ASYNCAPI_PATH = '/asyncapi.yaml';
export const DOCS_PREFIX = '/docs';

/** Descriptions of the tags the routes use; a tag not listed here is still listed, with a generic description. */
const TAG_DESCRIPTIONS: Readonly<Record<string, string>> = {
  'huawei: authentication':
    'Huawei-compatible: App ID (HMAC-SHA256) and account authentication, token validate / refresh / logout ' +
    '(`/v1/usg`, `/v2/usg`).',
  'huawei: meetings':
    'Huawei-compatible: create, edit, cancel, list, query and start meetings (`/v1/mmc/management/conferences`, ' +
    '`X-Access-Token`).',
  'huawei: meeting control':
    'Huawei-compatible: the meeting-control token, the one-time WebSocket token of the push socket, and meeting ' +
    'control (`/v1/mmc/control/conferences`, `X-Conference-Authorization`).',
  'confpush: admin': "confpush's own administration API (`/confpush/v1/admin`). Not part of Huawei's API.",
  'confpush: media plane':
    "confpush's own media-plane API (`/confpush/v1/media`): what a media plane (or the built-in simulator) " +
    'reports — joins, leaves, answers, volumes, network quality, captions, sharing, camera, hands, mute. Not part ' +
    "of Huawei's API.",
  'confpush: operations':
    "Health, readiness and Prometheus metrics of one node. confpush's own; not part of Huawei's API.",
};

const SECURITY_SCHEMES = {
  accessToken: {
    type: 'apiKey',
    in: 'header',
    name: 'X-Access-Token',
    description: 'Access token from App ID or account authentication (`POST /v2/usg/acs/auth/appauth`).',
  },
  conferenceAuthorization: {
    type: 'apiKey',
    in: 'header',
    name: 'X-Conference-Authorization',
    description:
      'Meeting-control token from `GET /v1/mmc/control/conferences/token`, raw or `Basic ` + base64(token).',
  },
  conferencePassword: {
    type: 'apiKey',
    in: 'header',
    name: 'X-Password',
    description:
      'Host (or guest) password of the meeting, sent with `X-Login-Type: 1`, to obtain a meeting-control token.',
  },
  appAuth: {
    type: 'apiKey',
    in: 'header',
    name: 'Authorization',
    description:
      'App ID authentication: `HMAC-SHA256 signature=<hex>,access=<base64(appId)>`, signature = ' +
      'hex(HMAC-SHA256(appKey, `appId:userId:expireTime:nonce`)).',
  },
  accountBasic: {
    type: 'http',
    scheme: 'basic',
    description: 'Account authentication: `Basic base64(account:password)`.',
  },
} as const;

type SecurityRequirement = Readonly<Record<string, readonly string[]>>;

/** Paths whose authentication is not visible in their header schema (checked in a hook or by the handler). */
const SECURITY_BY_PATH: readonly (readonly [RegExp, readonly SecurityRequirement[]])[] = [
  [/^\/v2\/usg\/acs\/auth\/appauth$/, [{ appAuth: [] }]],
  [/^\/v1\/usg\/acs\/auth\/account$/, [{ accountBasic: [] }]],
  [/^\/v1\/usg\/acs\/token\/validate$/, []],
  [/^\/v1\/mmc\/management\//, [{ accessToken: [] }]],
  [/^\/confpush\/v\d+\/admin\//, [{ accessToken: [] }]],
  [/^\/v1\/mmc\/control\//, [{ conferenceAuthorization: [] }]],
];

function headerNames(schema: FastifySchema): Set<string> {
  const headers = schema.headers as { properties?: Record<string, unknown> } | undefined;
  return new Set(Object.keys(headers?.properties ?? {}).map((h) => h.toLowerCase()));
}

/** The security requirements of a route: declared in its schema, else derived from its headers and path. */
export function securityOf(url: string, schema: FastifySchema): readonly SecurityRequirement[] | undefined {
  if (schema.security) return schema.security;
  const headers = headerNames(schema);
  if (headers.has('x-password')) return [{ conferencePassword: [] }, { conferenceAuthorization: [] }];
  if (headers.has('x-access-token')) return [{ accessToken: [] }];
  if (headers.has('x-conference-authorization')) return [{ conferenceAuthorization: [] }];
  return SECURITY_BY_PATH.find(([pattern]) => pattern.test(url))?.[1];
}

/** Huawei-compatible tags first, then confpush's own, then any other; each group alphabetical. */
function tagRank(tag: string): number {
  if (tag.startsWith(HUAWEI_TAG_PREFIX)) return 0;
  if (tag.startsWith(CONFPUSH_TAG_PREFIX)) return 1;
  return 2;
}

function describeTag(tag: string): string {
  const known = TAG_DESCRIPTIONS[tag];
  if (known) return known;
  if (tag.startsWith(HUAWEI_TAG_PREFIX))
    return 'Huawei-compatible paths: same methods, paths and payloads as Huawei.';
  if (tag.startsWith(CONFPUSH_TAG_PREFIX)) return "confpush's own paths; not part of Huawei's API.";
  return '';
}

interface DocumentShape {
  paths?: Record<string, Record<string, { tags?: string[] } | undefined> | undefined>;
  tags?: { name: string; description?: string }[];
  [key: string]: unknown;
}

/** Lists every tag used by an operation, grouped: Huawei-compatible, then confpush's own (`x-tagGroups`). */
function withTagList<T extends DocumentShape>(document: T): T {
  const used = new Set<string>(Object.keys(TAG_DESCRIPTIONS));
  for (const item of Object.values(document.paths ?? {})) {
    for (const operation of Object.values(item ?? {})) {
      if (operation && typeof operation === 'object' && Array.isArray(operation.tags)) {
        for (const tag of operation.tags) used.add(tag);
      }
    }
  }
  const tags = [...used].sort((a, b) => tagRank(a) - tagRank(b) || a.localeCompare(b));
  return {
    ...document,
    tags: tags.map((name) => ({ name, description: describeTag(name) })),
    'x-tagGroups': [
      { name: 'Huawei-compatible', tags: tags.filter((t) => tagRank(t) === 0) },
      { name: 'confpush', tags: tags.filter((t) => tagRank(t) === 1) },
      ...(tags.some((t) => tagRank(t) === 2)
        ? [{ name: 'other', tags: tags.filter((t) => tagRank(t) === 2) }]
        : []),
    ],
  };
}

function packageVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
      version?: string;
    };
    return pkg.version ?? '0.0.0';
  } catch {
    return '0.0.0';
  }
}

/** docs/asyncapi.yaml of the repository (the same relative place from src/api and dist/api). */
const ASYNCAPI_FILE = new URL('../../../../docs/asyncapi.yaml', import.meta.url);

const DESCRIPTION = `REST API of confpush, a self-hostable implementation of Huawei Cloud Meeting's meeting-level event push.

Two families of paths, clearly separated by tag:

- **huawei: …** — Huawei-compatible paths (\`/v1/usg\`, \`/v2/usg\`, \`/v1/mmc\`): the same methods, paths, headers and
  payloads as Huawei Cloud Meeting, so SDKs written from Huawei's documentation work unchanged.
- **confpush: …** — confpush's own paths (\`/confpush/v1/…\`, operations). Nothing Huawei defines lives there.

Every error is a Huawei-style body \`{"error_code": "<MODULE.number>", "error_msg": "<TEXT>[: detail]"}\`.
The push socket (\`/cms/open/websocket/confctl/increment/conn\`) is described by the AsyncAPI document
[\`${ASYNCAPI_PATH}\`](${ASYNCAPI_PATH}). This document as JSON: [\`${OPENAPI_PATH}\`](${OPENAPI_PATH}).`;

/** Registers @fastify/swagger, the UI at `/docs`, `GET /openapi.json` and `GET /asyncapi.yaml`. Call first. */
export function registerOpenApi(app: Api): void {
  app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: { title: 'confpush REST API', version: packageVersion(), description: DESCRIPTION },
      components: { securitySchemes: SECURITY_SCHEMES },
      externalDocs: { description: 'Push socket (AsyncAPI 3.0)', url: ASYNCAPI_PATH },
    },
    transform: ({ schema, url }) => {
      if (!schema) return { schema, url };
      const security = securityOf(url, schema);
      return { schema: security ? { ...schema, security } : schema, url };
    },
    transformObject: (documentObject) => {
      if (!('openapiObject' in documentObject)) return documentObject.swaggerObject;
      return withTagList(
        documentObject.openapiObject as DocumentShape,
      ) as typeof documentObject.openapiObject;
    },
  });
  app.register(swaggerUi, {
    routePrefix: DOCS_PREFIX,
    // Tags in the document's order: Huawei-compatible first, then confpush's own.
    uiConfig: { docExpansion: 'list', deepLinking: true },
    theme: { title: 'confpush API' },
  });

  app.get(OPENAPI_PATH, { schema: { hide: true } }, async () => app.swagger());

  let asyncApi: string | undefined;
  app.get(ASYNCAPI_PATH, { schema: { hide: true } }, async (_request, reply) => {
    asyncApi ??= readAsyncApi();
    if (asyncApi === undefined) {
      const spec = ERRORS.NOT_FOUND;
      return reply.status(spec.status).send(restErrorBody(spec, 'AsyncAPI document not installed'));
    }
    return reply.type('application/yaml; charset=utf-8').send(asyncApi);
  });
}

function readAsyncApi(): string | undefined {
  try {
    return readFileSync(ASYNCAPI_FILE, 'utf8');
  } catch {
    return undefined;
  }
}
