/**
 * Every documented field of every category's full message, present and of its documented JSON type. The expected
 * fields come from Huawei's field tables (vectors/push-fields.json, copied by hand from the reference), never from
 * the server's own functions. The meeting is built so that every category has content: attendees with every
 * optional field, a host, an answered invitation, speakers, media quality, captions, a waiting-room member and an
 * interpreter group.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PUSH_CATEGORIES, type PushCategory } from '@confpush/protocol';
import { describe, expect, it } from 'vitest';
import { http, openPush, runningMeeting } from './chain.js';
import { startTestServer } from './helpers.js';

type JsonType = 'string' | 'integer' | 'number' | 'boolean' | 'array' | 'object';
type FieldRule = JsonType | { type: JsonType; in: 'some' | 'when-present' };

interface FieldTables {
  envelope: Record<string, JsonType>;
  categories: Record<
    PushCategory,
    { section: string; envelope?: Record<string, JsonType>; fields: Record<string, FieldRule> }
  >;
}

const TABLES = JSON.parse(
  readFileSync(join(dirname(fileURLToPath(import.meta.url)), 'vectors', 'push-fields.json'), 'utf8'),
) as FieldTables;

function isType(value: unknown, type: JsonType): boolean {
  switch (type) {
    case 'integer':
      return Number.isInteger(value);
    case 'number':
      return typeof value === 'number';
    case 'array':
      return Array.isArray(value);
    case 'object':
      return typeof value === 'object' && value !== null && !Array.isArray(value);
    default:
      return typeof value === type;
  }
}

interface Leaf {
  at: string;
  present: boolean;
  value?: unknown;
}

/** Every place a path names in the frame (see the notation in push-fields.json). */
function leaves(root: unknown, path: string): Leaf[] {
  let places: Leaf[] = [{ at: '', present: true, value: root }];
  for (const segment of path.split('.')) {
    const each = segment.endsWith('[]');
    const names = (each ? segment.slice(0, -2) : segment).split('|');
    const next: Leaf[] = [];
    for (const place of places) {
      if (!place.present) continue;
      const holder = place.value as Record<string, unknown>;
      if (names[0] === '*') {
        for (const [k, v] of Object.entries(holder))
          next.push({ at: `${place.at}.${k}`, present: true, value: v });
        continue;
      }
      const name = names.find((n) => isType(holder, 'object') && n in holder);
      const at = `${place.at}.${name ?? names.join('|')}`;
      if (name === undefined) {
        next.push({ at, present: false });
      } else if (each) {
        const list = holder[name];
        if (!Array.isArray(list)) next.push({ at, present: false });
        else list.forEach((value, i) => next.push({ at: `${at}[${i}]`, present: true, value }));
      } else {
        next.push({ at, present: true, value: holder[name] });
      }
    }
    places = next;
  }
  return places;
}

/** What a frame lacks or has with the wrong type, per the table. */
function violations(frame: unknown, fields: Record<string, FieldRule>): string[] {
  const out: string[] = [];
  for (const [path, rule] of Object.entries(fields)) {
    const { type, in: scope } = typeof rule === 'string' ? { type: rule, in: 'every' as const } : rule;
    const found = leaves(frame, path);
    const present = found.filter((l) => l.present);
    if (scope === 'every') for (const l of found) if (!l.present) out.push(`${l.at}: missing`);
    if (scope === 'some' && present.length === 0) out.push(`${path}: in no element`);
    if (found.length === 0 && scope !== 'when-present') out.push(`${path}: nothing to check (empty list)`);
    for (const l of present)
      if (!isType(l.value, type)) out.push(`${l.at}: ${JSON.stringify(l.value)} is not ${type}`);
  }
  return out;
}

const HOST_TEL = '+99100000000031';
const INVITED_TEL = '+99100000000032';

/** A meeting in which every category has content, and a full message of `category` as a subscriber gets it. */
async function fullMessageOf(category: PushCategory): Promise<Record<string, unknown>> {
  const server = await startTestServer();
  const meeting = await runningMeeting(server, {
    attendees: [
      {
        name: '张三',
        userUUID: '271682cfdbe14fa9ae3a8b25f7502627',
        accountId: 'zhangsan',
        phone: HOST_TEL,
        role: 1,
        email: 'zhangsan@example.com',
        sms: '+8613800000000',
        isMute: 0,
        isAutoInvite: 0,
        type: 'normal',
        deptUUID: 'ff808081689de0d901689df549fe0009',
        deptName: 'department2',
      },
      { name: 'Room A', phone: '+99100000000033', type: 'terminal', address: 'Building 3, room A' },
    ],
  });
  const { conferenceID, chairPwd } = meeting;
  const engine = server.node.engine;
  await engine.execute(conferenceID, {
    type: 'join',
    site: { name: '张三', tel: HOST_TEL, role: 1, accountId: 'zhangsan', account: 'zhangsan' },
  });
  const { client, conf } = await openPush(server, conferenceID, chairPwd);
  const invited = await http(
    server,
    'POST',
    `/v1/mmc/control/conferences/participants?conferenceID=${conferenceID}`,
    {
      headers: { 'X-Conference-Authorization': conf.token },
      body: { attendees: [{ name: 'Alice', phone: INVITED_TEL, type: 'normal' }] },
    },
  );
  expect(invited.status).toBe(200);
  const runtime = await engine.load(conferenceID);
  const pidOf = (tel: string): string =>
    [...runtime!.committed.streams.ParticipantsNotify.items].find(
      ([, item]) => (item['pinfoMap'] as Record<string, string>)['TEL'] === tel,
    )![0];
  const host = pidOf(HOST_TEL);
  const alice = pidOf(INVITED_TEL);
  await engine.execute(conferenceID, { type: 'callResult', pid: alice, resultCode: 0 });
  await engine.execute(conferenceID, {
    type: 'speakers',
    volumes: [
      { pid: host, volume: 45 },
      { pid: alice, volume: 20 },
    ],
  });
  await engine.execute(conferenceID, { type: 'netQuality', reports: [{ pid: host, delay: 37 }] });
  await engine.execute(conferenceID, { type: 'subtitles', on: true });
  await engine.execute(conferenceID, { type: 'caption', caption: { pid: host, text: '实时字幕。' } });
  await engine.execute(conferenceID, {
    type: 'join',
    site: { name: 'yangtest05', tel: '+99100000000034', account: 'yangtest05', viaWaitingRoom: true },
  });
  await engine.execute(conferenceID, {
    type: 'setInterpreterGroups',
    groups: [
      {
        groupID: 'f798ed8d5e45cb342baa6be0dc8b2068',
        groupName: 'English - Chinese',
        firstLanguage: 'en',
        secondLanguage: 'zh',
        groupType: 'MANUAL',
        interpreters: [
          {
            loginAccount: 'mmrcorp28',
            userID: 'abe9848d09d640a99aa3c80087a722f0',
            callNumber: '+99111229866410894',
            name: 'mmrcorp28',
          },
        ],
      },
    ],
  });

  client.subscribe(conf.token, [category]);
  expect((await client.nextAction('Subscribe')).data).toMatchObject({ returnCode: 0 });
  const full = await client.nextAction(category);
  client.close();
  return full;
}

describe('full messages have every documented field with its documented JSON type', () => {
  it('the field tables cover every category', () => {
    expect(Object.keys(TABLES.categories).sort()).toEqual([...PUSH_CATEGORIES].sort());
  });

  it('the check itself finds a missing field, a wrong type and an optional field in no element', () => {
    const fields: Record<string, FieldRule> = {
      'data[].pid': 'string',
      'data[].mode': 'integer',
      'data[].thirdAccount': { type: 'string', in: 'some' },
    };
    expect(violations({ data: [{ pid: 'a', mode: '0' }, { mode: 0 }] }, fields)).toEqual([
      '.data[1].pid: missing',
      '.data[0].mode: "0" is not integer',
      'data[].thirdAccount: in no element',
    ]);
  });

  for (const category of PUSH_CATEGORIES) {
    const table = TABLES.categories[category];
    it(`${category} (reference §${table.section})`, async () => {
      const full = await fullMessageOf(category);
      expect(full['msgMode']).toBe(0);
      expect(full['action']).toBe(category);
      expect(violations(full, { ...TABLES.envelope, ...table.envelope })).toEqual([]);
      expect(violations(full, table.fields)).toEqual([]);
    });
  }
});
