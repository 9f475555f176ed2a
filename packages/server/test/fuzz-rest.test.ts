/**
 * Property-based fuzzing of every REST route of a real node (issue 7): hostile bodies (wrong types, huge values,
 * nesting tens of thousands deep, `__proto__`/`constructor` keys, duplicate keys, bytes that are not UTF-8, wrong
 * content types), hostile queries, path parameters and headers, unknown methods and paths, and HTTP that is not
 * HTTP. Calls carry valid credentials, so that the payload is what gets tested.
 *
 * For every case: the status is documented and never 5xx, an error body is `{error_code, error_msg}` with a code of
 * `ERRORS` and its status, the node keeps answering, nothing went unhandled, the built-in prototypes are
 * untouched, and a refused call changed nothing (store and engine, see fuzz/state.ts). Counts: fuzz/runs.ts
 * (`CONFPUSH_FUZZ_RUNS` scales them).
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { undocumented } from './fuzz/answers.js';
import {
  contentType,
  headerValue,
  INVALID_UTF8,
  percentEncode,
  POISON_KEYS,
  queryString,
  rarely,
  rawBody,
  weirdString,
  withInvalidUtf8,
} from './fuzz/arbitraries.js';
import { rawRequest } from './fuzz/raw-http.js';
import { bodySchemaOf, parametersOf, routesWithOperations, type Json, type Route } from './fuzz/routes.js';
import { params, runs, timeoutFor } from './fuzz/runs.js';
import { startSharedServer } from './fuzz/server.js';
import { ProcessGuard, StateProbe } from './fuzz/state.js';
import { World } from './fuzz/world.js';
import { eventually, mediaPlaneOf, type TestServer } from './helpers.js';

const MAX_BODY = 64 * 1024;
const BODY_METHODS = new Set(['POST', 'PUT', 'DELETE']);
const ALL_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'];

interface RestCase {
  method: string;
  path: string;
  query: string;
  headers: Record<string, string>;
  body?: Buffer | undefined;
}

let server: TestServer;
let world: World;
let probe: StateProbe;
let guard: ProcessGuard;
let routes: Route[];
let openapi: Json;
const stats = { cases: 0, refused: 0, accepted: 0, byStatus: new Map<number, number>() };

beforeAll(async () => {
  server = await startSharedServer({
    maxBodyBytes: MAX_BODY,
    // The payload is under test, not the abuse limits (test/limits.test.ts covers those).
    authFailuresPerAddress: 0,
    authFailuresPerTarget: 0,
    calleeAnswerDelayMs: -1,
    speakerIntervalMs: 10,
  });
  world = await World.create(server);
  probe = new StateProbe(server);
  guard = new ProcessGuard();
  routes = await routesWithOperations(server.node.api, server.url);
  openapi = (await (await fetch(`${server.url}/openapi.json`)).json()) as Json;
  await probe.baseline([world.conferenceID]);
}, 60_000);

afterAll(() => {
  probe.close();
  guard.dispose();
  const statuses = [...stats.byStatus].sort(([a], [b]) => a - b).map(([s, n]) => `${s}×${n}`);
  console.info(
    `REST fuzz: ${stats.cases} cases, ${stats.refused} refused, ${stats.accepted} accepted; ${statuses.join(' ')}`,
  );
});

/** The valid credentials of a route's family (a case may still override them with hostile headers). */
const credentials = (route: Route): Record<string, string> => world.credentialsFor(route);

function pathOf(route: Route, values: string[]): string {
  let i = 0;
  return route.url.replace(/:[A-Za-z0-9_]+|\*/g, () => values[i++ % Math.max(1, values.length)] ?? 'x');
}

const pathValue = fc.oneof(
  { weight: 6, arbitrary: fc.constant('<known>') },
  { weight: 3, arbitrary: weirdString.map((s) => percentEncode(s.slice(0, 300)) || 'x') },
  { weight: 1, arbitrary: fc.constantFrom('%zz', '%ff', '..', '%2e%2e', '%2F', 'a'.repeat(150), '%00') },
);

/** A case for `route`: hostile body, or hostile query/path/headers, or both. */
function caseFor(route: Route, focus: 'body' | 'request'): fc.Arbitrary<RestCase> {
  const parameters = parametersOf(route);
  const queryNames = parameters.filter((p) => p.in === 'query').map((p) => p.name);
  const headerNames = parameters.filter((p) => p.in === 'header').map((p) => p.name);
  const hasBody = BODY_METHODS.has(route.method);
  const body = hasBody
    ? fc.option(fc.tuple(rawBody(bodySchemaOf(route), openapi, MAX_BODY), contentType), {
        freq: 8,
        nil: undefined,
      })
    : fc.constant(undefined);
  const validQuery = fc
    .constant(undefined)
    .map(() =>
      queryNames
        .map(
          (n) => `${n}=${encodeURIComponent(n === 'conferenceID' ? world.conferenceID : world.knownIds[1]!)}`,
        )
        .join('&'),
    );
  const hostileQuery = fc.constant(undefined).chain(() => queryString(queryNames, world.knownIds));
  const hostileHeaders = fc.dictionary(
    fc.oneof(
      {
        weight: 4,
        arbitrary: headerNames.length > 0 ? fc.constantFrom(...headerNames) : fc.constant('x-access-token'),
      },
      {
        weight: 3,
        arbitrary: fc.constantFrom(
          'x-access-token',
          'x-conference-authorization',
          'authorization',
          'x-password',
          'x-login-type',
          'x-request-id',
          'x-type',
          'x-query-type',
          'if-none-match',
          'accept',
          ...POISON_KEYS.map((k) => `x-${k.toLowerCase().replace(/_/g, '')}`),
        ),
      },
    ),
    headerValue,
    { maxKeys: 3 },
  );
  return fc
    .record({
      pathValues: fc.array(pathValue, { minLength: 2, maxLength: 2 }),
      query:
        focus === 'request'
          ? hostileQuery
          : fc.oneof({ weight: 5, arbitrary: validQuery }, { weight: 1, arbitrary: hostileQuery }),
      headers: focus === 'request' ? hostileHeaders : rarely(hostileHeaders, 5).map((h) => h ?? {}),
      body: focus === 'body' ? body : fc.option(body, { freq: 3, nil: undefined }).map((b) => b ?? undefined),
    })
    .map(({ pathValues, query, headers, body: b }) => {
      const known = [world.conferenceID, world.knownIds[1]!];
      const values = pathValues.map((v, i) => (v === '<known>' ? known[i]! : v));
      const all: Record<string, string> = { ...credentials(route), ...headers };
      let payload: Buffer | undefined;
      if (b) {
        const [bytes, type] = b;
        payload = bytes;
        if (type !== undefined) all['content-type'] = type;
      }
      return { method: route.method, path: pathOf(route, values), query, headers: all, body: payload };
    });
}

function describeCase(c: RestCase): string {
  const body = c.body
    ? c.body.subarray(0, 300).toString('latin1') + (c.body.length > 300 ? `… (${c.body.length} bytes)` : '')
    : '';
  return `${c.method} ${c.path}?${c.query.slice(0, 300)} headers=${JSON.stringify(c.headers).slice(0, 400)} body=${JSON.stringify(body)}`;
}

async function send(c: RestCase): Promise<{ status: number; text: string }> {
  const url = `${server.url}${c.path}${c.query ? `?${c.query}` : ''}`;
  try {
    const res = await fetch(url, {
      method: c.method,
      headers: c.headers,
      ...(c.body !== undefined ? { body: new Uint8Array(c.body) } : {}),
    });
    return { status: res.status, text: await res.text() };
  } catch {
    // fetch gives up when the node answers before the body is sent (413) or refuses what fetch built: ask again
    // over a raw socket, which reads the answer whatever happens to the upload.
    const headers = Object.entries(c.headers)
      .filter(([k]) => k !== 'content-length')
      .map(([k, v]) => `${k}: ${v}\r\n`)
      .join('');
    const length = c.body ? `content-length: ${c.body.length}\r\n` : '';
    const res = await rawRequest(
      url,
      `${c.method} ${c.path}${c.query ? `?${c.query}` : ''} HTTP/1.1\r\nhost: x\r\n${headers}${length}\r\n`,
      c.body ?? Buffer.alloc(0),
    );
    return { status: res.status, text: res.body };
  }
}

/** Runs one case and checks every invariant; throws with the case when one fails. */
async function check(c: RestCase, mustRefuse = false): Promise<void> {
  const answer = await send(c);
  stats.cases++;
  stats.byStatus.set(answer.status, (stats.byStatus.get(answer.status) ?? 0) + 1);
  const fail = (why: string) => {
    throw new Error(
      `${why}\n  case: ${describeCase(c)}\n  answer: ${answer.status} ${answer.text.slice(0, 300)}`,
    );
  };
  const bad = undocumented(answer, c.method);
  if (bad) fail(bad);
  if (mustRefuse && answer.status < 400) fail('accepted a body it must refuse');
  const process = guard.check();
  if (process) fail(process);
  if (answer.status >= 400) {
    stats.refused++;
    const changed = await probe.changes([world.conferenceID]);
    if (changed) fail(`a refused call changed state: ${changed}`);
  } else {
    stats.accepted++;
    // Accepted: the change is legitimate. Volume samples become speaker updates until they decay.
    if (c.path.endsWith('/volumes')) {
      const media = mediaPlaneOf(server.node);
      await eventually(() => media.activeFeeds === 0, { what: 'the speaker feed to go quiet' });
      await media.settled();
    }
    await world.ensure();
    await probe.baseline([world.conferenceID]);
  }
}

describe('REST fuzzing', () => {
  it('knows every route of the app, and every documented one is among them', () => {
    const documented = Object.entries((openapi['paths'] as Record<string, Json>) ?? {}).flatMap(
      ([path, item]) => Object.keys(item).map((m) => `${m.toUpperCase()} ${path}`),
    );
    const known = new Set(routes.map((r) => `${r.method} ${r.url.replace(/:([A-Za-z0-9_]+)/g, '{$1}')}`));
    for (const op of documented) expect(known, op).toContain(op);
    expect(routes.length).toBeGreaterThan(documented.length);
    expect(routes.filter((r) => r.operation).length).toBeGreaterThanOrEqual(documented.length - 1);
  });

  it(
    'answers hostile bodies on every route with a documented error and changes nothing',
    async () => {
      const bodyRoutes = routes.filter((r) => BODY_METHODS.has(r.method));
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom(...bodyRoutes).chain((r) => caseFor(r, 'body')),
          (c) => check(c),
        ),
        params(6000),
      );
    },
    timeoutFor(6000, 20),
  );

  it(
    'answers hostile queries, path parameters and headers on every route alike',
    async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom(...routes).chain((r) => caseFor(r, 'request')),
          (c) => check(c),
        ),
        params(4000),
      );
    },
    timeoutFor(4000, 20),
  );

  it('sends every route each special payload: deep nesting, poison keys, duplicate keys, invalid UTF-8, wrong types', async () => {
    // [what, body, content type, must be refused]
    const specials: [string, Buffer, string | undefined, boolean?][] = [
      ['deep array', Buffer.from('['.repeat(30_000) + ']'.repeat(30_000)), 'application/json'],
      ['deep object', Buffer.from('{"a":'.repeat(10_000) + '1' + '}'.repeat(10_000)), 'application/json'],
      ['__proto__', Buffer.from('{"__proto__":{"polluted":"yes","isAdmin":true}}'), 'application/json', true],
      [
        'constructor',
        Buffer.from('{"constructor":{"prototype":{"polluted":"yes"}}}'),
        'application/json',
        true,
      ],
      ['empty', Buffer.alloc(0), 'application/json'],
      ['array', Buffer.from('[]'), 'application/json'],
      ['null', Buffer.from('null'), 'application/json'],
      ['huge number', Buffer.from('{"x":1e999999}'), 'application/json'],
      ['form', Buffer.from('a=1&b=2'), 'application/x-www-form-urlencoded'],
      ['text', Buffer.from('{}'), 'text/plain'],
      ['no type', Buffer.from('{}'), undefined],
      ...INVALID_UTF8.map((bad, i): [string, Buffer, string, boolean] => [
        `invalid UTF-8 #${i}`,
        withInvalidUtf8('{"subject":"x","name":"y"}', bad, 0),
        'application/json',
        true,
      ]),
    ];
    for (const route of routes.filter((r) => BODY_METHODS.has(r.method))) {
      const props = Object.keys((bodySchemaOf(route)?.['properties'] as Json | undefined) ?? {});
      const field = props[0] ?? 'x';
      const local: [string, Buffer, string | undefined, boolean?][] = [
        ...specials,
        [
          'duplicate key',
          Buffer.from(`{"${field}":1,"${field}":"two","${field}":{"three":[3]}}`),
          'application/json',
        ],
        [
          'deep field',
          Buffer.from(`{"${field}":${'['.repeat(20_000)}${']'.repeat(20_000)}}`),
          'application/json',
        ],
        [
          'wrong types',
          Buffer.from(`{${props.map((p) => `"${p}":{"$gt":""}`).join(',')}}`),
          'application/json',
        ],
      ];
      // Refresh and logout read no body at all (Huawei's SDKs send one anyway).
      const readsBody = route.url !== '/v1/usg/acs/token';
      for (const [, body, type, mustRefuse] of local) {
        await check(
          {
            method: route.method,
            path: pathOf(route, [world.conferenceID, world.knownIds[1]!]),
            query: 'conferenceID=' + world.conferenceID + '&participantID=' + world.knownIds[1]!,
            headers: { ...credentials(route), ...(type !== undefined ? { 'content-type': type } : {}) },
            body,
          },
          readsBody && mustRefuse === true,
        );
      }
    }
  }, 120_000);

  it(
    'answers unknown methods and paths with 404 API_NOT_FOUND',
    async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom(...ALL_METHODS),
          fc.oneof(
            fc.constantFrom(...routes.map((r) => r.url)).map((u) => u.replace(/:[A-Za-z0-9_]+/g, 'x')),
            weirdString.map((s) => `/${percentEncode(s.slice(0, 200))}`),
            fc.constantFrom(
              '/v1',
              '/v1/mmc',
              '/v1/mmc/control/conferences/../../usg',
              '/%2e%2e/%2e%2e',
              '//',
              '/cms/open/websocket/confctl/increment/conn',
            ),
          ),
          async (method, path) =>
            check({
              method,
              path,
              query: '',
              headers: {},
              ...(BODY_METHODS.has(method) ? { body: Buffer.from('{}') } : {}),
            }),
        ),
        params(1000),
      );
    },
    timeoutFor(1000, 20),
  );

  it(
    'answers HTTP that is not HTTP with a documented body, and keeps serving',
    async () => {
      const head = fc.oneof(
        fc
          .uint8Array({ minLength: 1, maxLength: 200 })
          .map((a) => Buffer.from(a).toString('latin1') + '\r\n\r\n'),
        fc.constantFrom(
          'GARBAGE\r\n\r\n',
          'GET / HTTP/9.9\r\n\r\n',
          'GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n',
          'POST /v1/usg/acs/token/validate HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n{}',
          'POST /v1/usg/acs/token/validate HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Type: application/json\r\n\r\nzz\r\n{}\r\n0\r\n\r\n',
          'POST /v1/usg/acs/token/validate HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: 2\r\n\r\n{}',
          `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`,
          `GET /${'a'.repeat(20_000)} HTTP/1.1\r\nHost: x\r\n\r\n`,
          'GET /healthz HTTP/1.1\r\nHo st: x\r\n\r\n',
          'GET /healthz\u0000 HTTP/1.1\r\nHost: x\r\n\r\n',
        ),
      );
      await fc.assert(
        fc.asyncProperty(head, async (text) => {
          const res = await rawRequest(server.url, text, Buffer.alloc(0), { timeoutMs: 5000 }).catch(
            (err: unknown) => ({ status: 0, body: String(err), headers: {}, written: 0 }),
          );
          stats.cases++;
          // Either an answer (documented) or, for bytes that never form a request head, a closed connection.
          if (res.status !== 0) {
            const bad = undocumented({ status: res.status, text: res.body }, 'GET');
            if (bad) throw new Error(`${bad}\n  request: ${JSON.stringify(text.slice(0, 200))}`);
          }
          expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
          const problem = guard.check();
          if (problem) throw new Error(problem);
        }),
        params(300),
      );
    },
    timeoutFor(300, 30),
  );

  it('refuses a body over maxBodyBytes with 413 before it has been sent whole', async () => {
    const path = '/v1/usg/acs/token/validate';
    const head = (length: string) =>
      `POST ${path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n${length}\r\n`;
    // Declared length over the limit: answered from the headers alone.
    const declared = await rawRequest(
      server.url,
      head('Content-Length: 1000000000\r\n'),
      Buffer.from('{"token":'),
    );
    expect(declared.status).toBe(413);
    expect(JSON.parse(declared.body)).toEqual({ error_code: 'APIGW.0413', error_msg: 'PAYLOAD_TOO_LARGE' });
    // Chunked, sent slowly: answered once the limit is passed, long before the 16 MiB would be sent.
    let sent = 0;
    const piece = Buffer.from(`2000\r\n${'a'.repeat(0x2000)}\r\n`);
    const chunked = await rawRequest(
      server.url,
      head('Transfer-Encoding: chunked\r\n'),
      () => (sent++ < 2048 ? piece : undefined),
      { pieceDelayMs: 2, timeoutMs: 30_000 },
    );
    expect(chunked.status).toBe(413);
    expect(chunked.written).toBeLessThan(MAX_BODY * 4);
    // A declared length within the limit but a body that never ends is not buffered past the limit either.
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    expect(guard.check()).toBeUndefined();
    expect(await probe.changes([world.conferenceID])).toBeUndefined();
  });

  it('ran the number of cases it claims', () => {
    expect(stats.cases).toBeGreaterThanOrEqual(runs(6000) + runs(4000) + runs(1000) + runs(300));
  });
});
