/**
 * Strict JSON types, as a fuzz class (issue 12): every route with a body × every body field (nested ones too) ×
 * every JSON value of a type the field's schema does not allow (null where required, boolean, numeric string,
 * float, array, object). Each case is sent with valid credentials inside the smallest otherwise valid body, and
 * must be answered 400 with the documented parameter error naming the field, with nothing changed (store and
 * engine, fuzz/state.ts) — so nothing pushed.
 */
import { ERRORS } from '@confpush/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bodySchemaOf, routesWithOperations, type Json, type Route } from './fuzz/routes.js';
import { startSharedServer } from './fuzz/server.js';
import { StateProbe } from './fuzz/state.js';
import { PIDS, World } from './fuzz/world.js';
import { wrongTypeCases, WRONG_VALUES } from './fuzz/wrong-types.js';
import type { TestServer } from './helpers.js';

const BODY_METHODS = new Set(['POST', 'PUT', 'DELETE']);
const INVALID_PARAMETER = new Set<string>([
  ERRORS.MMC_INVALID_PARAMETER.code,
  ERRORS.USG_INVALID_PARAMETER.code,
]);

let server: TestServer;
let world: World;
let probe: StateProbe;
let routes: Route[];
let openapi: Json;

beforeAll(async () => {
  server = await startSharedServer({
    authFailuresPerAddress: 0,
    authFailuresPerTarget: 0,
    calleeAnswerDelayMs: -1,
  });
  world = await World.create(server);
  probe = new StateProbe(server);
  routes = (await routesWithOperations(server.node.api, server.url)).filter(
    // Refresh and logout read no body at all (Huawei's SDKs send one anyway).
    (r) => BODY_METHODS.has(r.method) && bodySchemaOf(r) !== undefined && r.url !== '/v1/usg/acs/token',
  );
  openapi = (await (await fetch(`${server.url}/openapi.json`)).json()) as Json;
  await probe.baseline([world.conferenceID]);
}, 60_000);

afterAll(() => probe.close());

function pathOf(route: Route): string {
  const values = [world.conferenceID, PIDS[1]];
  let i = 0;
  return route.url.replace(/:[A-Za-z0-9_]+/g, () => values[i++] ?? 'x');
}

describe('REST fuzzing: wrong JSON types in bodies', () => {
  it('covers every wrong type on routes with bodies', () => {
    expect(routes.length).toBeGreaterThan(40);
    const ctx = { conferenceID: world.conferenceID, participantID: PIDS[1], password: '12345678' };
    const labels = new Set(
      routes.flatMap((r) => wrongTypeCases(bodySchemaOf(r), openapi, ctx).map((c) => c.label)),
    );
    expect([...labels].sort()).toEqual(WRONG_VALUES.map((w) => w.label).sort());
  });

  it('answers every route × field × wrong type with 400 naming the field, and changes nothing', async () => {
    let cases = 0;
    for (const route of routes) {
      const ctx = { conferenceID: world.conferenceID, participantID: PIDS[1], password: '12345678' };
      const query = `conferenceID=${world.conferenceID}&participantID=${PIDS[1]}`;
      for (const c of wrongTypeCases(bodySchemaOf(route), openapi, ctx)) {
        const res = await fetch(`${server.url}${pathOf(route)}?${query}`, {
          method: route.method,
          headers: { ...world.credentialsFor(route), 'content-type': 'application/json' },
          body: JSON.stringify(c.body),
        });
        const text = await res.text();
        const what = `${route.method} ${route.url} ${c.field} = ${c.label}: ${res.status} ${text.slice(0, 200)}`;
        expect(res.status, what).toBe(400);
        const body = JSON.parse(text) as { error_code: string; error_msg: string };
        expect(INVALID_PARAMETER.has(body.error_code), what).toBe(true);
        expect(body.error_msg, what).toContain(c.name);
        const changed = await probe.changes([world.conferenceID]);
        expect(changed, what).toBeUndefined();
        cases++;
      }
    }
    console.info(`wrong-type fuzz: ${cases} cases on ${routes.length} routes`);
    expect(cases).toBeGreaterThan(routes.length * 3);
  }, 300_000);
});
