/**
 * Every route of a node, from the app itself (Fastify's route tree), with what its OpenAPI operation says about
 * it (query, header and path parameters, body schema, security) when it has one.
 */
import type { Api } from '../../src/api/context.js';

export type Json = Record<string, unknown>;

export interface Route {
  method: string;
  /** Fastify pattern, e.g. `/confpush/v1/media/conferences/:conferenceID/volumes`. */
  url: string;
  operation: Json | undefined;
}

/** Parses `app.printRoutes({ commonPrefix: false })`: one line per node, four columns of indentation per level. */
export function appRoutes(app: Api): { method: string; url: string }[] {
  const tree = app.printRoutes({ commonPrefix: false });
  const stack: string[] = [];
  const routes: { method: string; url: string }[] = [];
  for (const line of tree.split('\n')) {
    const m = /^([│ ]*)[├└]── (.*?)(?: \(([A-Z, ]+)\))?$/.exec(line);
    if (!m) continue;
    const depth = (m[1] ?? '').length / 4;
    stack.length = depth;
    stack.push(m[2] ?? '');
    const url = stack.join('');
    for (const method of (m[3] ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean))
      routes.push({ method, url });
  }
  return routes;
}

/** The OpenAPI path of a Fastify pattern (`:id` → `{id}`). */
export function openApiPath(url: string): string {
  return url.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
}

export async function routesWithOperations(app: Api, baseUrl: string): Promise<Route[]> {
  const doc = (await (await fetch(`${baseUrl}/openapi.json`)).json()) as { paths: Record<string, Json> };
  return appRoutes(app).map(({ method, url }) => ({
    method,
    url,
    // Fastify answers HEAD with the GET route: same parameters.
    operation: doc.paths[openApiPath(url)]?.[method === 'HEAD' ? 'get' : method.toLowerCase()] as
      Json | undefined,
  }));
}

export interface Parameter {
  name: string;
  in: 'query' | 'header' | 'path';
  schema: Json;
}

export function parametersOf(route: Route): Parameter[] {
  return ((route.operation?.['parameters'] as Parameter[] | undefined) ?? []).map((p) => ({
    name: p.name,
    in: p.in,
    schema: p.schema ?? {},
  }));
}

export function bodySchemaOf(route: Route): Json | undefined {
  const body = route.operation?.['requestBody'] as
    { content?: Record<string, { schema?: Json }> } | undefined;
  return body?.content?.['application/json']?.schema;
}

/** The family of a route, which decides the valid credentials the fuzzer sends with it. */
export type Family = 'auth' | 'management' | 'control' | 'media' | 'admin' | 'webhooks' | 'public';

export function familyOf(url: string): Family {
  if (url.startsWith('/v1/usg') || url.startsWith('/v2/usg')) return 'auth';
  if (url.startsWith('/v1/mmc/management/webhook') || url.startsWith('/confpush/v1/webhooks'))
    return 'webhooks';
  if (url.startsWith('/v1/mmc/management')) return 'management';
  if (url.startsWith('/v1/mmc/control')) return 'control';
  if (url.startsWith('/confpush/v1/media')) return 'media';
  if (url.startsWith('/confpush/v1/admin')) return 'admin';
  return 'public';
}
