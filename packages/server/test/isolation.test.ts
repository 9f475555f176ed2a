/**
 * Isolation (issue 7): an app or account of one enterprise can neither read nor control another enterprise's
 * meetings, an ordinary participant's token cannot do what only the host may, and a control token of one meeting
 * works for no other — through every REST route of the app and through the push socket.
 *
 * Two enterprises, A (the node's start-up app) and B (a second app registered in another corp). In A: the default
 * administrator, the owner of the target meeting (a plain user), a plain user who is neither owner nor invited,
 * and a plain user invited to it. The target is A's meeting in progress; A has a second meeting and B one of its
 * own. Every route (from the app's route table) is called against the target with every wrong identity, with a body
 * that passes validation, and must answer the documented refusal — and nothing may change (fuzz/state.ts).
 */
import { randomBytes } from 'node:crypto';
import { CLOSE_CODES, REPLY_CODES } from '@confpush/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  appAuth,
  confToken,
  createMeeting,
  http,
  pushUrl,
  signedAppAuth,
  wsToken,
  type CreatedMeeting,
} from './chain.js';
import { errorCodeOf, undocumented } from './fuzz/answers.js';
import {
  familyOf,
  routesWithOperations,
  bodySchemaOf,
  parametersOf,
  type Json,
  type Route,
} from './fuzz/routes.js';
import { startSharedServer } from './fuzz/server.js';
import { StateProbe } from './fuzz/state.js';
import { minimalValid } from './fuzz/valid.js';
import type { TestServer } from './helpers.js';
import { PushClient } from './push-client.js';

const CORP_B = '200000002';

interface Meeting extends CreatedMeeting {
  host: string;
  guest: string;
}

let server: TestServer;
let serverB: TestServer;
let probe: StateProbe;
let routes: Route[];
let openapi: Json;
const ids = { adminA: '', ownerA: '', plainA: '', invitedA: '', adminB: '', plainB: '' };
let target: Meeting;
let sibling: Meeting;
let foreign: Meeting;
/** A's event push configuration (its id is what the webhook routes are called with). */
let webhookA = '';
const PID = 'isolationsite1';
const matrix = { calls: 0, routes: 0, identities: new Set<string>() };

async function meetingOf(srv: TestServer, owner: string, body: Record<string, unknown>): Promise<Meeting> {
  const created = await createMeeting(srv, owner, { subject: 'isolation', ...body });
  const host = await confToken(srv, created.conferenceID, created.chairPwd);
  const guest = await confToken(srv, created.conferenceID, created.guestPwd);
  return { ...created, host: host.token, guest: guest.token };
}

beforeAll(async () => {
  server = await startSharedServer({
    authFailuresPerAddress: 0,
    authFailuresPerTarget: 0,
    calleeAnswerDelayMs: -1,
  });
  // Enterprise B: its own corp and app on the same node.
  const appB = `isolation-b-${randomBytes(4).toString('hex')}`;
  const keyB = randomBytes(16).toString('hex');
  await server.node.store.identity.putCorp({ corpId: CORP_B, spId: null, name: 'B', createdAt: Date.now() });
  await server.node.store.identity.putApp({
    appId: appB,
    appKey: keyB,
    kind: 'enterprise',
    corpId: CORP_B,
    spId: null,
    createdAt: Date.now(),
  });
  serverB = { ...server, appId: appB, appKey: keyB, corpId: CORP_B };

  ids.adminA = await appAuth(server);
  ids.ownerA = await appAuth(server, 'owner-a');
  ids.plainA = await appAuth(server, 'plain-a');
  ids.invitedA = await appAuth(server, 'invited-a');
  ids.adminB = await appAuth(serverB);
  ids.plainB = await appAuth(serverB, 'plain-b');
  const invited = await server.node.store.identity.findUserByThirdAccount(
    server.corpId,
    server.appId,
    'invited-a',
  );

  target = await meetingOf(server, ids.ownerA, {
    attendees: [
      { name: 'Alice', phone: '+8610000001' },
      { name: 'Invited', userUUID: invited!.userId },
    ],
  });
  sibling = await meetingOf(server, ids.ownerA, {});
  foreign = await meetingOf(serverB, ids.adminB, {});
  const join = await http(
    server,
    'POST',
    `/confpush/v1/media/conferences/${target.conferenceID}/participants`,
    {
      headers: { 'X-Access-Token': ids.ownerA },
      body: { pid: PID, name: 'Site' },
    },
  );
  expect(join.status).toBe(200);

  const webhook = await http(server, 'POST', '/v1/mmc/management/webhook/link-config', {
    headers: { 'X-Access-Token': ids.adminA },
    body: { subscriberId: 'isolation-a', subscriberKey: 'webhook-key-of-a', url: 'https://a.example/hook' },
  });
  expect(webhook.status).toBe(200);
  webhookA = (webhook.body as { id: string }).id;

  routes = await routesWithOperations(server.node.api, server.url);
  openapi = (await (await fetch(`${server.url}/openapi.json`)).json()) as Json;
  probe = new StateProbe(server);
  await probe.baseline([target.conferenceID, sibling.conferenceID, foreign.conferenceID]);
}, 60_000);

afterAll(() => {
  probe.close();
  console.info(
    `isolation: ${matrix.routes} routes × wrong identities = ${matrix.calls} calls (${matrix.identities.size} identities)`,
  );
});

// --- the walk --------------------------------------------------------------------------------------------------

interface Identity {
  name: string;
  headers: Record<string, string>;
  /** Changes the request (e.g. the password in a body) when the credential travels there. */
  password?: string;
}

type Expected =
  | { status: number; code: string }
  /** Allowed by design for this identity, but must not show the target (lists) or must stay in its own enterprise. */
  | { check: (res: { status: number; text: string }) => void | Promise<void>; changes?: boolean };

const refused = (status: number, code: string): Expected => ({ status, code });
const ACCESS_INVALID = refused(401, 'USG.201040006');
const CONF_NOT_EXIST = refused(400, 'MMC.111070005');
const CONF_NO_PERMISSION = refused(403, 'MMC.111070003');
const CONF_AUTH_FAILED = refused(400, 'MMC.111072065');
const CONF_TOKEN_REQUIRED = refused(400, 'MMC.111070001');
const WRONG_MEETING = refused(403, 'MMC.111072067');
const NOT_CHAIR = refused(403, 'MMC.111072040');

const access = (name: string, token: string): Identity => ({ name, headers: { 'x-access-token': token } });
const control = (name: string, token: string): Identity => ({
  name,
  headers: { 'x-conference-authorization': token, 'x-login-type': '1' },
});

/** Routes a participant's (guest password) control token may call (docs/rest-api.md: _any_). */
const ANY_ROLE = new Set([
  '/v1/mmc/control/conferences/wsToken',
  '/v1/mmc/control/conferences/participants/mute',
  '/v1/mmc/control/conferences/participants/role',
  '/v1/mmc/control/conferences/participants/hands',
  '/v1/mmc/control/conferences/realTimeInfo',
]);

const notListed = (res: { status: number; text: string }) => {
  expect(res.status).toBe(200);
  expect(res.text).not.toContain(target.conferenceID);
};

/** The wrong identities of a route and the refusal each must get. */
function wrongIdentities(route: Route): [Identity, Expected][] {
  const url = route.url;
  const family = familyOf(url);
  const none: Identity = { name: 'no credential', headers: {} };
  const garbage = access('unknown access token', 'cpt' + '0'.repeat(48));
  if (family === 'management') {
    if (url === '/v1/mmc/management/conferences' && route.method === 'POST') {
      return [
        [none, ACCESS_INVALID],
        [garbage, ACCESS_INVALID],
      ];
    }
    if (url.endsWith('/start')) {
      return [
        [none, ACCESS_INVALID],
        [{ ...access('B admin with B password', ids.adminB), password: foreign.chairPwd }, CONF_AUTH_FAILED],
        [
          { ...access('A admin with another meeting password', ids.adminA), password: sibling.chairPwd },
          CONF_AUTH_FAILED,
        ],
        [{ ...access('A owner with a guessed password', ids.ownerA), password: '000000' }, CONF_AUTH_FAILED],
      ];
    }
    const list =
      route.method !== 'PUT' &&
      route.method !== 'DELETE' &&
      !url.includes('confDetail') &&
      !url.includes('region');
    if (list) {
      const listed: Expected = { check: notListed };
      return [
        [none, ACCESS_INVALID],
        [garbage, ACCESS_INVALID],
        [access('B admin', ids.adminB), listed],
        [access('B user', ids.plainB), listed],
        [access('A user, not owner', ids.plainA), listed],
      ];
    }
    const manage = route.method === 'PUT' || route.method === 'DELETE';
    return [
      [none, ACCESS_INVALID],
      [garbage, ACCESS_INVALID],
      [access('control token as access token', target.host), ACCESS_INVALID],
      [access('B admin', ids.adminB), CONF_NOT_EXIST],
      [access('B user', ids.plainB), CONF_NOT_EXIST],
      [access('A user, not owner', ids.plainA), CONF_NOT_EXIST],
      ...(manage
        ? [[access('A user, invited', ids.invitedA), CONF_NO_PERMISSION] as [Identity, Expected]]
        : []),
    ];
  }
  if (family === 'control') {
    if (url.endsWith('/token')) {
      return [
        [none, CONF_TOKEN_REQUIRED],
        [
          {
            name: 'B meeting host password',
            headers: { 'x-password': foreign.chairPwd, 'x-login-type': '1' },
          },
          CONF_AUTH_FAILED,
        ],
        [
          {
            name: 'A other meeting password',
            headers: { 'x-password': sibling.chairPwd, 'x-login-type': '1' },
          },
          CONF_AUTH_FAILED,
        ],
        [
          { name: 'B meeting control token', headers: { 'x-conference-authorization': foreign.host } },
          CONF_AUTH_FAILED,
        ],
        [
          { name: 'A other meeting control token', headers: { 'x-conference-authorization': sibling.host } },
          CONF_AUTH_FAILED,
        ],
      ];
    }
    if (url.endsWith('/inviteWithPwd')) {
      return [
        [{ name: 'B meeting host password', headers: {}, password: foreign.chairPwd }, CONF_AUTH_FAILED],
        [{ name: 'A other meeting password', headers: {}, password: sibling.guestPwd }, CONF_AUTH_FAILED],
        [{ name: 'a guessed password', headers: {}, password: '000000' }, CONF_AUTH_FAILED],
      ];
    }
    return [
      [none, CONF_TOKEN_REQUIRED],
      [control('unknown control token', 'cpc' + '0'.repeat(48)), CONF_AUTH_FAILED],
      [control('A admin access token', ids.adminA), CONF_AUTH_FAILED],
      [control('A other meeting host token', sibling.host), WRONG_MEETING],
      [control('B meeting host token', foreign.host), WRONG_MEETING],
      [
        control('B meeting host token, Basic', `Basic ${Buffer.from(foreign.host).toString('base64')}`),
        WRONG_MEETING,
      ],
      ...(ANY_ROLE.has(url)
        ? []
        : [[control('participant token', target.guest), NOT_CHAIR] as [Identity, Expected]]),
    ];
  }
  if (family === 'media') {
    return [
      [none, ACCESS_INVALID],
      [garbage, ACCESS_INVALID],
      [access('control token as access token', target.host), ACCESS_INVALID],
      [access('B admin', ids.adminB), CONF_NOT_EXIST],
      [access('B user', ids.plainB), CONF_NOT_EXIST],
      [access('A user, not owner', ids.plainA), CONF_NO_PERMISSION],
      [access('A user, invited', ids.invitedA), CONF_NO_PERMISSION],
    ];
  }
  if (family === 'admin') {
    return [
      [none, ACCESS_INVALID],
      [garbage, ACCESS_INVALID],
      [access('A user', ids.plainA), refused(403, 'USG.201030001')],
      [access('B user', ids.plainB), refused(403, 'USG.201030001')],
      [
        access('B admin', ids.adminB),
        {
          // Allowed, but the account is B's, whatever the body says.
          changes: true,
          check: async (res) => {
            expect(res.status).toBe(201);
            const created = JSON.parse(res.text) as { corpId: string; userId: string };
            expect(created.corpId).toBe(CORP_B);
            expect((await server.node.store.identity.getUser(created.userId))?.corpId).toBe(CORP_B);
          },
        },
      ],
    ];
  }
  if (family === 'webhooks') {
    // A's configuration is neither shown to nor changeable by anyone but A's administrators.
    const notA = (res: { status: number; text: string }) => {
      expect(res.text).not.toContain('webhook-key-of-a');
      expect(res.text).not.toContain('a.example');
      // B's own configuration may be set (or its body refused) and shown, A's corpId is refused, and A's id
      // names nothing for B.
      if (route.method === 'HEAD') return;
      const own = url === '/v1/mmc/management/webhook/link-config' && route.method !== 'DELETE';
      if (own && res.status === 200) return;
      const code = errorCodeOf(res.text);
      if (own && route.method === 'GET') expect(code, res.text).toBe('USG.201030001');
      else expect(code, res.text).toBe('MMC.111070001');
    };
    const adminOnly = refused(403, 'USG.201030001');
    return [
      [none, ACCESS_INVALID],
      [garbage, ACCESS_INVALID],
      [access('A user', ids.plainA), adminOnly],
      [access('B user', ids.plainB), adminOnly],
      [access('B admin', ids.adminB), { check: notA, changes: true }],
    ];
  }
  if (family === 'auth') {
    if (url.endsWith('/appauth'))
      return [[{ name: 'B app key for A app', headers: {} }, refused(401, 'USG.201040001')]];
    if (url.endsWith('/account'))
      return [[{ name: 'wrong password', headers: {} }, refused(401, 'USG.201040005')]];
    return [
      [none, ACCESS_INVALID],
      [garbage, ACCESS_INVALID],
    ];
  }
  // Operations, documents and the console are public by design; none of them may show a secret.
  const secrets = [target.host, target.guest, ids.adminA, ids.ownerA, server.appKey, serverB.appKey];
  return [
    [
      access('B admin', ids.adminB),
      { check: (res) => secrets.forEach((s) => expect(res.text).not.toContain(s)) },
    ],
    [none, { check: (res) => secrets.forEach((s) => expect(res.text).not.toContain(s)) }],
  ];
}

function requestFor(
  route: Route,
  identity: Identity,
): { path: string; headers: Record<string, string>; body?: string } {
  const ctx = { conferenceID: target.conferenceID, participantID: PID, password: identity.password ?? 'x' };
  const path = route.url
    .replace(':conferenceID', target.conferenceID)
    .replace(':pid', PID)
    .replace('*', 'index.html');
  const query = parametersOf(route)
    .filter((p) => p.in === 'query')
    .map((p) =>
      familyOf(route.url) === 'webhooks' && p.name === 'id'
        ? `id=${webhookA}`
        : `${p.name}=${encodeURIComponent(String(minimalValid(p.schema, openapi, ctx, p.name)))}`,
    );
  const headers = { ...identity.headers };
  let body: string | undefined;
  if (['POST', 'PUT', 'DELETE'].includes(route.method)) {
    let value = minimalValid(bodySchemaOf(route), openapi, ctx);
    if (route.url.endsWith('/appauth')) value = signedWithKeyOfB();
    if (route.url.endsWith('/account')) {
      value = { account: 'owner-a', clientType: 72 };
      headers['authorization'] = `Basic ${Buffer.from('owner-a:wrong-password').toString('base64')}`;
    }
    if (route.url.endsWith('/admin/accounts'))
      value = { ...(value as object), password: 'long enough 1', corpId: server.corpId };
    if (route.url.endsWith('/token/validate'))
      value = { token: 'cpt' + '0'.repeat(48), needGenNewToken: true };
    if (route.url.endsWith('/inviteWithPwd')) value = { ...(value as object), confID: target.conferenceID };
    body = JSON.stringify(value);
    if (route.url.endsWith('/appauth')) headers['authorization'] = appAuthorization;
    headers['content-type'] = 'application/json';
  }
  return {
    path: query.length ? `${path}?${query.join('&')}` : path,
    headers,
    ...(body !== undefined ? { body } : {}),
  };
}

let appAuthorization = '';
function signedWithKeyOfB() {
  const { headers, body } = signedAppAuth({ appId: server.appId, appKey: serverB.appKey });
  appAuthorization = headers['Authorization']!;
  return body;
}

describe('isolation', () => {
  it('refuses every route to every wrong identity, as documented, changing nothing', async () => {
    const watched = [target.conferenceID, sibling.conferenceID, foreign.conferenceID];
    const failures: string[] = [];
    for (const route of routes) {
      matrix.routes++;
      for (const [identity, expected] of wrongIdentities(route)) {
        matrix.calls++;
        matrix.identities.add(identity.name);
        const req = requestFor(route, identity);
        const res = await fetch(`${server.url}${req.path}`, {
          method: route.method,
          headers: req.headers,
          ...(req.body !== undefined ? { body: req.body } : {}),
        });
        const answer = { status: res.status, text: await res.text() };
        const label = `${route.method} ${route.url} as ${identity.name}`;
        const bad = undocumented(answer, route.method);
        if (bad) failures.push(`${label}: ${bad}`);
        try {
          if ('code' in expected) {
            expect(answer.status, label).toBe(expected.status);
            if (route.method !== 'HEAD')
              expect(errorCodeOf(answer.text), `${label}: ${answer.text}`).toBe(expected.code);
          } else {
            await expected.check(answer);
          }
        } catch (error) {
          failures.push(
            `${label}: ${(error as Error).message.split('\n')[0]} — ${answer.status} ${answer.text.slice(0, 200)}`,
          );
        }
        if ('changes' in expected && expected.changes) await probe.baseline(watched);
        else {
          const changed = await probe.changes(watched);
          if (changed) {
            failures.push(`${label} changed state: ${changed}`);
            await probe.baseline(watched);
          }
        }
      }
    }
    expect(failures).toEqual([]);
    // Every route was walked, with several wrong identities each.
    expect(matrix.routes).toBe(routes.length);
    expect(matrix.calls).toBeGreaterThan(routes.length * 2);
  });

  it('refuses another meeting’s tokens on the push socket', async () => {
    const wsURL = server.url.replace(/^http/, 'ws');
    // A WebSocket token of another meeting (same enterprise, or another one) for the target's confID: FORBIDDEN.
    for (const other of [sibling, foreign]) {
      const tmp = await wsToken(server, other.conferenceID, other.host);
      const client = await PushClient.connect(pushUrl(wsURL, target.conferenceID, tmp));
      expect((await client.closed()).code).toBe(CLOSE_CODES.FORBIDDEN.code);
    }
    // On the target's socket: Subscribe and ConfControl with another meeting's control token are refused.
    const tmp = await wsToken(server, target.conferenceID, target.host);
    const client = await PushClient.connect(pushUrl(wsURL, target.conferenceID, tmp));
    for (const [i, token] of [sibling.host, foreign.host, foreign.guest].entries()) {
      client.subscribe(token, ['AttendeesNotify'], `s${i}`);
      const reply = await client.next((f) => f.action === 'Subscribe' && f['sequence'] === `s${i}`);
      expect(reply.data).toMatchObject({ returnCode: REPLY_CODES.CONF_TOKEN_WRONG_MEETING.code });
      client.send({
        action: 'ConfControl',
        sequence: `c${i}`,
        type: 'REALTIMESUBTITLE',
        data: JSON.stringify({ confToken: token, isSubtitle: 1 }),
      });
      const control = await client.next((f) => f.action === 'ConfControl' && f['sequence'] === `c${i}`);
      expect(control.data).toMatchObject({ returnCode: REPLY_CODES.CONF_TOKEN_WRONG_MEETING.code });
    }
    // conferenceID naming another meeting is refused too, with the socket's own token.
    client.send({
      action: 'Subscribe',
      sequence: 'x',
      data: JSON.stringify({
        subscribeType: ['AttendeesNotify'],
        confToken: target.host,
        conferenceID: foreign.conferenceID,
      }),
    });
    expect((await client.next((f) => f['sequence'] === 'x')).data).toMatchObject({
      returnCode: REPLY_CODES.CONF_TOKEN_WRONG_MEETING.code,
    });
    // Nothing was subscribed: no push message arrived.
    expect(client.frames.filter((f) => 'msgMode' in f)).toEqual([]);
    client.close();
    // And the other way round: B's socket does not take A's token.
    const tmpB = await wsToken(server, foreign.conferenceID, foreign.host);
    const clientB = await PushClient.connect(pushUrl(wsURL, foreign.conferenceID, tmpB));
    clientB.subscribe(target.host, ['AttendeesNotify'], 'b');
    expect((await clientB.nextAction('Subscribe')).data).toMatchObject({
      returnCode: REPLY_CODES.CONF_TOKEN_WRONG_MEETING.code,
    });
    clientB.close();
    // Using WebSocket tokens is the only change (they are single use).
    await probe.baseline([target.conferenceID, sibling.conferenceID, foreign.conferenceID]);
  });
});
