/**
 * Fields Huawei documents that clients written from the documents rely on, over real HTTP and a real push socket:
 * `thirdAccount` and `address` of `AttendeesNotify` (reference §8.4), `confIMGroupId` and `multiPic` of
 * `ConfDynamicInfoNotify` (§8.2), and the multi-picture control `PUT /display/multiPicture` (Huawei's SDK model
 * `RestMixedPictureBody`) pushed as a `multiPic` change and shown by `realTimeInfo`.
 */
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { ERRORS, type Item, type ErrorName } from '@confpush/protocol';
import { describe, expect, it } from 'vitest';
import { confToken, http, openPush, runningMeeting } from './chain.js';
import { CLUSTER, startTestServer, tempDir, type TestServer } from './helpers.js';
import type { Frame } from './push-client.js';

const BASE = '/v1/mmc/control/conferences';
const ZHANG_TEL = '+99100000000021';
const ROOM_TEL = '+99100000000022';
const ALICE_TEL = '+99100000000023';
const BOB_TEL = '+99100000000024';
const ENVELOPE = new Set(['action', 'version', 'createTime', 'msgID', 'msgMode', 'confID', 'seq', 'epoch']);

function fieldsOf(frame: Frame): Item {
  return Object.fromEntries(Object.entries(frame).filter(([k]) => !ENVELOPE.has(k)));
}

function expectError(res: { status: number; body: unknown }, name: ErrorName): void {
  const spec = ERRORS[name];
  expect({
    status: res.status,
    code: (res.body as { error_code?: string } | undefined)?.error_code,
  }).toEqual({ status: spec.status, code: spec.code });
}

/** The full messages of one category a fresh subscriber gets. */
async function fullMessage(
  server: TestServer,
  conferenceID: string,
  chairPwd: string,
  category: string,
): Promise<Frame> {
  const { client, conf } = await openPush(server, conferenceID, chairPwd);
  client.subscribe(conf.token, [category]);
  expect((await client.nextAction('Subscribe')).data).toMatchObject({ returnCode: 0 });
  const full = await client.nextAction(category);
  expect(full['msgMode']).toBe(0);
  client.close();
  return full;
}

describe('AttendeesNotify', () => {
  it('an attendee with an account carries thirdAccount; address only for hard terminals', async () => {
    const server = await startTestServer();
    const meeting = await runningMeeting(server, {
      attendees: [
        { name: '张三', accountId: 'zhangsan', phone: ZHANG_TEL, type: 'normal', address: 'Room 1' },
        { name: 'Room A', phone: ROOM_TEL, type: 'terminal', address: 'Building 3, room A' },
      ],
    });
    const full = await fullMessage(server, meeting.conferenceID, meeting.chairPwd, 'AttendeesNotify');
    const [zhang, room] = full.data as Item[];
    // Huawei's example: "accountId": "zhangsan", "thirdAccount": "zhangsan".
    expect(zhang).toMatchObject({ mode: 0, accountId: 'zhangsan', thirdAccount: 'zhangsan' });
    expect(zhang).not.toHaveProperty('address');
    expect(room).toMatchObject({ mode: 0, type: 'terminal', address: 'Building 3, room A' });
    expect(room).not.toHaveProperty('thirdAccount');
  });

  it('an attendee invited into the meeting by account carries thirdAccount, never the one a caller sends', async () => {
    const server = await startTestServer();
    const meeting = await runningMeeting(server);
    const { client, conf } = await openPush(server, meeting.conferenceID, meeting.chairPwd);
    client.subscribe(conf.token, ['AttendeesNotify']);
    await client.nextAction('AttendeesNotify');
    const res = await http(server, 'POST', `${BASE}/participants?conferenceID=${meeting.conferenceID}`, {
      headers: { 'X-Conference-Authorization': conf.token },
      body: {
        attendees: [
          { name: 'Li Si', phone: ALICE_TEL, type: 'normal', accountId: 'lisi', thirdAccount: 'forged' },
        ],
      },
    });
    expect(res.status).toBe(200);
    const change = await client.nextAction('AttendeesNotify');
    expect(change['msgMode']).toBe(1);
    expect(change.data).toEqual([
      expect.objectContaining({ mode: 0, accountId: 'lisi', thirdAccount: 'lisi' }),
    ]);
    client.close();
  });
});

describe('ConfDynamicInfoNotify', () => {
  it('a full message carries confIMGroupId (stable for the meeting) and multiPic', async () => {
    const server = await startTestServer();
    const meeting = await runningMeeting(server);
    const first = await fullMessage(server, meeting.conferenceID, meeting.chairPwd, 'ConfDynamicInfoNotify');
    const second = await fullMessage(server, meeting.conferenceID, meeting.chairPwd, 'ConfDynamicInfoNotify');
    expect(typeof first['confIMGroupId']).toBe('string');
    expect(first['confIMGroupId']).not.toBe('');
    expect(second['confIMGroupId']).toBe(first['confIMGroupId']);
    expect(first['multiPic']).toEqual({ picNum: 1, picInfos: [], period: 0 });

    const other = await runningMeeting(server);
    const elsewhere = await fullMessage(server, other.conferenceID, other.chairPwd, 'ConfDynamicInfoNotify');
    expect(elsewhere['confIMGroupId']).not.toBe(first['confIMGroupId']);
  });

  it.skipIf(CLUSTER)(
    'a meeting stored before confIMGroupId existed gets its confUUID and the default multiPic',
    async () => {
      const dataDir = tempDir();
      const before = await startTestServer({ dataDir });
      const meeting = await runningMeeting(before);
      const confUUID = meeting.info['confUUID'];
      expect(typeof confUUID).toBe('string');
      await before.node.close();

      // Rewrite the stored meeting as an older version wrote it: no confIMGroupId, no multiPic.
      const db = new Database(join(dataDir, 'confpush.sqlite'));
      const row = db.prepare('SELECT record FROM meetings WHERE conf_id = ?').get(meeting.conferenceID) as {
        record: string;
      };
      const { confIMGroupId: _g, ...record } = JSON.parse(row.record) as Record<string, unknown>;
      db.prepare('UPDATE meetings SET record = ? WHERE conf_id = ?').run(
        JSON.stringify(record),
        meeting.conferenceID,
      );
      const items = db
        .prepare(
          "SELECT item_key, value FROM stream_items WHERE conf_id = ? AND category = 'ConfDynamicInfoNotify'",
        )
        .all(meeting.conferenceID) as { item_key: string; value: string }[];
      expect(items).toHaveLength(1);
      const {
        confIMGroupId: _i,
        multiPic: _m,
        ...status
      } = JSON.parse(items[0]!.value) as Record<string, unknown>;
      db.prepare(
        "UPDATE stream_items SET value = ? WHERE conf_id = ? AND category = 'ConfDynamicInfoNotify' AND item_key = ?",
      ).run(JSON.stringify(status), meeting.conferenceID, items[0]!.item_key);
      db.close();

      const after = await startTestServer({ dataDir });
      const full = await fullMessage(after, meeting.conferenceID, meeting.chairPwd, 'ConfDynamicInfoNotify');
      expect(full['confIMGroupId']).toBe(confUUID);
      expect(full['multiPic']).toEqual({ picNum: 1, picInfos: [], period: 0 });
    },
  );
});

describe('PUT /display/multiPicture', () => {
  async function meetingWithTwo() {
    const server = await startTestServer();
    const meeting = await runningMeeting(server);
    const { conferenceID, chairPwd, guestPwd } = meeting;
    const engine = server.node.engine;
    await engine.execute(conferenceID, { type: 'join', site: { name: 'Alice', tel: ALICE_TEL, role: 1 } });
    await engine.execute(conferenceID, { type: 'join', site: { name: 'Bob', tel: BOB_TEL } });
    const runtime = await engine.load(conferenceID);
    const pids = new Map<string, string>();
    for (const [pid, item] of runtime!.committed.streams.ParticipantsNotify.items)
      pids.set((item['pinfoMap'] as Record<string, string>)['TEL']!, pid);
    const host = (await confToken(server, conferenceID, chairPwd)).token;
    const guest = (await confToken(server, conferenceID, guestPwd)).token;
    const { client, conf } = await openPush(server, conferenceID, chairPwd);
    client.subscribe(conf.token, ['ConfDynamicInfoNotify']);
    await client.nextAction('ConfDynamicInfoNotify');
    const put = (body: unknown, token = host) =>
      http(server, 'PUT', `${BASE}/display/multiPicture?conferenceID=${conferenceID}`, {
        headers: { 'X-Conference-Authorization': token },
        body,
      });
    const realTime = async () =>
      (
        await http(server, 'GET', `${BASE}/realTimeInfo?conferenceID=${conferenceID}`, {
          headers: { 'X-Conference-Authorization': host },
        })
      ).body as { confInfo: Record<string, unknown> };
    return {
      server,
      conferenceID,
      alice: pids.get(ALICE_TEL)!,
      bob: pids.get(BOB_TEL)!,
      guest,
      client,
      put,
      realTime,
    };
  }

  it('a manual layout is pushed as an incremental multiPic change and shows in realTimeInfo', async () => {
    const m = await meetingWithTwo();
    const res = await m.put({
      manualSet: 1,
      imageType: 'Four',
      // Pane 2 names Bob by his number; the SDK model names participants by their pid.
      subscriberInPics: [
        { index: 2, subscriber: [BOB_TEL], isAssistStream: 1 },
        { index: 1, subscriber: [m.alice, m.bob] },
      ],
      switchTime: 10,
    });
    expect(res.status).toBe(200);
    expect(res.body).toBeUndefined();
    const change = await m.client.nextAction('ConfDynamicInfoNotify');
    expect(change['msgMode']).toBe(1);
    // MultiPicInfoNotify: picNum, picInfos [{index, id: SIP numbers, share}], period (reference §8.2).
    const multiPic = {
      picNum: 4,
      picInfos: [
        { index: 1, id: [ALICE_TEL, BOB_TEL], share: 0 },
        { index: 2, id: [BOB_TEL], share: 1 },
      ],
      period: 10,
    };
    expect(fieldsOf(change)).toEqual({ picNum: 4, multiPic });
    expect((await m.realTime()).confInfo['picDisplay']).toEqual({
      manualSet: 1,
      imageType: 'Four',
      subscriberInPics: multiPic.picInfos,
      switchTime: 10,
    });

    // Back to automatic: the default layout, and realTimeInfo shows none.
    expect((await m.put({ manualSet: 0 })).status).toBe(200);
    const auto = await m.client.nextAction('ConfDynamicInfoNotify');
    expect(fieldsOf(auto)).toEqual({ multiPic: { picNum: 1, picInfos: [], period: 0 } });
    expect((await m.realTime()).confInfo).not.toHaveProperty('picDisplay');
    m.client.close();
  });

  it('refuses a participant token, unknown participants and impossible layouts, changing nothing', async () => {
    const m = await meetingWithTwo();
    const layout = {
      manualSet: 1,
      imageType: 'Two',
      subscriberInPics: [{ index: 1, subscriber: [m.alice] }],
    };
    expectError(await m.put(layout, m.guest), 'CONF_NOT_CHAIR');
    expectError(
      await m.put({ ...layout, subscriberInPics: [{ index: 1, subscriber: ['nobody'] }] }),
      'PARTICIPANT_NOT_FOUND',
    );
    expectError(
      await m.put({ ...layout, subscriberInPics: [{ index: 3, subscriber: [m.alice] }] }),
      'MMC_INVALID_PARAMETER',
    );
    expectError(
      await m.put({
        ...layout,
        subscriberInPics: [
          { index: 1, subscriber: [m.alice] },
          { index: 1, subscriber: [m.bob] },
        ],
      }),
      'MMC_INVALID_PARAMETER',
    );
    expectError(await m.put({ manualSet: 1, imageType: 'Two' }), 'MMC_INVALID_PARAMETER');
    expectError(await m.put({ ...layout, imageType: 'Five' }), 'MMC_INVALID_PARAMETER');
    expect((await m.realTime()).confInfo).not.toHaveProperty('picDisplay');
    // Nothing was pushed: the next status change is the first one.
    expect((await m.put(layout)).status).toBe(200);
    const change = await m.client.nextAction('ConfDynamicInfoNotify');
    expect(change['version']).toBe(1);
    expect(fieldsOf(change)).toMatchObject({
      picNum: 2,
      multiPic: { picNum: 2, picInfos: [{ index: 1, id: [ALICE_TEL], share: 0 }], period: 0 },
    });
    m.client.close();
  });
});
