/**
 * Strict JSON types in request bodies (issue 12): a body field documented as Integer takes only a JSON integer of
 * its range, String only a string, and a required field no `null`. Anything else is HTTP 400 with the documented
 * parameter error body naming the field — nothing changed, nothing pushed. A `null` in an optional field counts as
 * absent. Query strings keep their string-to-number parsing.
 *
 * "Nothing pushed" is shown by order: after the refused calls, a valid call is made, and the first frame the
 * subscriber receives is that call's change.
 */
import { ERRORS } from '@confpush/protocol';
import { describe, expect, it } from 'vitest';
import { confToken, http, openPush, runningMeeting } from './chain.js';
import { startTestServer, type TestServer } from './helpers.js';
import type { PushClient } from './push-client.js';

const BASE = '/v1/mmc/control/conferences';
const BOB_TEL = '+99100000000012';

interface Room {
  server: TestServer;
  conferenceID: string;
  host: string;
  bob: string;
  client: PushClient;
}

async function room(): Promise<Room> {
  const server = await startTestServer();
  const { conferenceID, chairPwd } = await runningMeeting(server);
  const host = (await confToken(server, conferenceID, chairPwd)).token;
  await server.node.engine.execute(conferenceID, { type: 'join', site: { name: 'Bob', tel: BOB_TEL } });
  const runtime = await server.node.engine.load(conferenceID);
  const bob = [...runtime!.committed.streams.ParticipantsNotify.items.keys()][0]!;
  const { client, conf } = await openPush(server, conferenceID, chairPwd);
  client.subscribe(conf.token, ['ParticipantsNotify', 'ConfDynamicInfoNotify']);
  expect((await client.nextAction('Subscribe')).data).toMatchObject({ returnCode: 0 });
  await client.nextAction('ParticipantsNotify');
  await client.nextAction('ConfDynamicInfoNotify');
  return { server, conferenceID, host, bob, client };
}

function control(r: Room, method: string, path: string, body: unknown, query: Record<string, string> = {}) {
  const search = new URLSearchParams({ conferenceID: r.conferenceID, ...query });
  return http(r.server, method, `${BASE}${path}?${search.toString()}`, {
    headers: { 'X-Conference-Authorization': r.host },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

function expectParameterError(res: { status: number; body: unknown }, field: string, label: string): void {
  const spec = ERRORS.MMC_INVALID_PARAMETER;
  const body = res.body as { error_code?: string; error_msg?: string } | undefined;
  expect({ status: res.status, code: body?.error_code }, label).toEqual({
    status: spec.status,
    code: spec.code,
  });
  expect(body?.error_msg, label).toContain(field);
}

async function muteOf(r: Room, pid: string): Promise<string | undefined> {
  const runtime = await r.server.node.engine.load(r.conferenceID);
  const item = runtime!.committed.streams.ParticipantsNotify.items.get(pid);
  return (item?.['pinfoMap'] as Record<string, string> | undefined)?.['MUTE'];
}

const WRONG_FOR_FLAG: [string, string][] = [
  ['null', 'null'],
  ['true', 'true'],
  ['false', 'false'],
  ['a numeric string', '"1"'],
  ['a numeric string 0', '"0"'],
  ['a float', '0.5'],
  ['an array', '[1]'],
  ['an object', '{"v":1}'],
];

describe('strict JSON types in request bodies', () => {
  it('refuses {"isMute": null} and every other wrong type: a muted participant stays muted, nothing is pushed', async () => {
    const r = await room();
    const muted = await control(r, 'PUT', '/participants/mute', { isMute: 1 }, { participantID: r.bob });
    expect(muted.status).toBe(200);
    expect((await r.client.nextAction('ParticipantsNotify'))['msgMode']).toBe(1);
    expect(await muteOf(r, r.bob)).toBe('1');
    for (const [label, value] of WRONG_FOR_FLAG) {
      const res = await control(r, 'PUT', '/participants/mute', `{"isMute":${value}}`, {
        participantID: r.bob,
      });
      expectParameterError(res, 'isMute', label);
      expect(await muteOf(r, r.bob), label).toBe('1');
    }
    expect((await control(r, 'PUT', '/lock', { isLock: 1 })).status).toBe(200);
    expect((await r.client.next())['action']).toBe('ConfDynamicInfoNotify');
    r.client.close();
  });

  it('refuses {"isLock": true} and every other wrong type: the meeting stays unlocked, nothing is pushed', async () => {
    const r = await room();
    const seqOf = async () =>
      (await r.server.node.engine.load(r.conferenceID))!.committed.streams.ConfDynamicInfoNotify.seq;
    const before = await seqOf();
    for (const [label, value] of WRONG_FOR_FLAG) {
      expectParameterError(await control(r, 'PUT', '/lock', `{"isLock":${value}}`), 'isLock', label);
    }
    expect(await seqOf()).toBe(before);
    expect(
      (await control(r, 'PUT', '/participants/mute', { isMute: 1 }, { participantID: r.bob })).status,
    ).toBe(200);
    expect((await r.client.next())['action']).toBe('ParticipantsNotify');
    r.client.close();
  });

  it('refuses a string where an Integer is documented, and a number where a String is, in nested fields too', async () => {
    const server = await startTestServer();
    const { accessToken } = await runningMeeting(server);
    const create = (body: unknown) =>
      http(server, 'POST', '/v1/mmc/management/conferences', {
        headers: { 'X-Access-Token': accessToken },
        body,
      });
    const cases: [string, Record<string, unknown>][] = [
      ['length', { mediaTypes: 'Voice', length: '60' }],
      ['length', { mediaTypes: 'Voice', length: 60.5 }],
      ['subject', { mediaTypes: 'Voice', subject: 42 }],
      ['mediaTypes', { mediaTypes: null }],
      ['isAutoMute', { mediaTypes: 'Voice', confConfigInfo: { isAutoMute: 'false' } }],
      ['isAutoMute', { mediaTypes: 'Voice', confConfigInfo: { isAutoMute: 0 } }],
      ['role', { mediaTypes: 'Voice', attendees: [{ name: 'A', role: '1' }] }],
    ];
    const list = async () =>
      (
        await http(server, 'GET', '/v1/mmc/management/conferences?queryAll=true', {
          headers: { 'X-Access-Token': accessToken },
        })
      ).body;
    const before = await list();
    for (const [field, body] of cases) {
      expectParameterError(await create(body), field, JSON.stringify(body));
    }
    expect(await list()).toEqual(before);
  });

  it('takes a null in an optional field as absent', async () => {
    const r = await room();
    const res = await control(r, 'PUT', '/mute', { isMute: 1, allowUnmuteByOneself: null });
    expect(res.status).toBe(200);
    const server = r.server;
    const accessToken = (await runningMeeting(server)).accessToken;
    const created = await http(server, 'POST', '/v1/mmc/management/conferences', {
      headers: { 'X-Access-Token': accessToken },
      body: { mediaTypes: 'Voice', subject: null, length: null, confConfigInfo: { isAutoMute: null } },
    });
    expect(created.status).toBe(200);
    r.client.close();
  });

  it('keeps parsing numbers and booleans in query strings', async () => {
    const server = await startTestServer();
    const { accessToken } = await runningMeeting(server);
    const res = await http(server, 'GET', '/v1/mmc/management/conferences?offset=0&limit=5&queryAll=true', {
      headers: { 'X-Access-Token': accessToken },
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ offset: 0, limit: 5 });
  });
});
