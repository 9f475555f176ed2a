/**
 * `GET /v1/mmc/control/conferences/realTimeInfo` against golden vectors (test/vectors/realtime-info/): meetings
 * built only through the public APIs of a real node (Huawei's REST API and the media-plane API), each answer
 * compared field by field with an answer written by hand from the reference's field definitions (§4.5), and its
 * every field with the copied field table. Only server-made IDs are matched by pattern.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { HEADERS } from '@confpush/protocol';
import { describe, expect, it } from 'vitest';
import { confToken, http, runningMeeting, type CreatedMeeting } from './chain.js';
import { startTestServer, type TestServer } from './helpers.js';

const DIR = join(dirname(fileURLToPath(import.meta.url)), 'vectors', 'realtime-info');
const CONTROL = '/v1/mmc/control/conferences';

interface Vector {
  $variables?: Record<string, string>;
  answer: unknown;
}
type FieldSpec = string | { type: string; in: 'when-present' };

const read = <T>(name: string): T => JSON.parse(readFileSync(join(DIR, name), 'utf8')) as T;

const HOST = { pid: 'host-site', name: 'Hana', tel: '+99100000000020' };
const BOB = { pid: 'bob-site', name: 'Bob', tel: '+99100000000022', video: false };
const CAROL = { pid: 'carol-site', name: 'Carol', tel: '+99100000000023' };

interface Live {
  server: TestServer;
  meeting: CreatedMeeting & { accessToken: string };
  host: string;
}

/** A started meeting (simulated callees never answer by themselves) and its host's control token. */
async function live(body: Record<string, unknown> = {}): Promise<Live> {
  const server = await startTestServer({ config: { calleeAnswerDelayMs: -1 } });
  const meeting = await runningMeeting(server, body);
  const host = (await confToken(server, meeting.conferenceID, meeting.chairPwd)).token;
  return { server, meeting, host };
}

/** A media-plane call (`/confpush/v1/media`), as the meeting's administrator. */
async function media(l: Live, method: string, path: string, body: unknown): Promise<unknown> {
  const res = await http(
    l.server,
    method,
    `/confpush/v1/media/conferences/${l.meeting.conferenceID}${path}`,
    {
      headers: { [HEADERS.accessToken]: l.meeting.accessToken },
      body,
    },
  );
  expect(res.status, `${method} ${path} ${JSON.stringify(res.body)}`).toBeLessThan(300);
  return res.body;
}

async function joinSite(l: Live, site: Record<string, unknown>): Promise<string> {
  return ((await media(l, 'POST', '/participants', site)) as { pid: string }).pid;
}

async function joinAsHost(l: Live): Promise<void> {
  await joinSite(l, { ...HOST, role: 1, hostPassword: l.meeting.chairPwd });
}

/** A Huawei control call with the host's token; success is 200 with no body (reference §5). */
async function control(l: Live, method: string, path: string, query: string, body?: unknown): Promise<void> {
  const res = await http(
    l.server,
    method,
    `${CONTROL}${path}?conferenceID=${l.meeting.conferenceID}${query}`,
    {
      headers: { [HEADERS.conferenceAuthorization]: l.host },
      ...(body !== undefined ? { body } : {}),
    },
  );
  expect(res.status, `${method} ${path} ${JSON.stringify(res.body)}`).toBe(200);
}

/** The answer of realTimeInfo, as a participant (guest password) asks for it. */
async function realTimeInfo(l: Live): Promise<unknown> {
  const guest = (await confToken(l.server, l.meeting.conferenceID, l.meeting.guestPwd)).token;
  const res = await http(l.server, 'GET', `${CONTROL}/realTimeInfo?conferenceID=${l.meeting.conferenceID}`, {
    headers: { [HEADERS.conferenceAuthorization]: guest },
  });
  expect(res.status).toBe(200);
  return res.body;
}

/**
 * Compares an answer with a vector and returns the differences (empty when it matches). Objects must have exactly
 * the vector's fields; arrays the same elements in any order; a string naming a variable of `variables` binds
 * it on first use (the value must match the variable's pattern) and must equal the bound value afterwards.
 */
function differences(
  expected: unknown,
  actual: unknown,
  variables: Record<string, string>,
  bound: Map<string, unknown> = new Map(),
  path = '$',
): string[] {
  if (typeof expected === 'string' && expected in variables) {
    if (bound.has(expected)) {
      return bound.get(expected) === actual
        ? []
        : [`${path}: ${show(actual)} is not ${expected} (${show(bound.get(expected))})`];
    }
    if (typeof actual !== 'string' || !new RegExp(variables[expected]!).test(actual))
      return [`${path}: ${show(actual)} does not match ${expected} ${variables[expected]}`];
    bound.set(expected, actual);
    return [];
  }
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual)) return [`${path}: ${show(actual)} is not an array`];
    if (actual.length !== expected.length)
      return [`${path}: ${actual.length} elements instead of ${expected.length}: ${show(actual)}`];
    const unused = [...actual.keys()];
    const problems: string[] = [];
    for (const [i, element] of expected.entries()) {
      const match = unused.find((j) => {
        const trial = new Map(bound);
        if (differences(element, actual[j], variables, trial, `${path}[${i}]`).length > 0) return false;
        for (const [k, v] of trial) bound.set(k, v);
        return true;
      });
      if (match === undefined)
        problems.push(`${path}: no element matches ${show(element)} in ${show(actual)}`);
      else unused.splice(unused.indexOf(match), 1);
    }
    return problems;
  }
  if (typeof expected === 'object' && expected !== null) {
    if (typeof actual !== 'object' || actual === null || Array.isArray(actual))
      return [`${path}: ${show(actual)} is not an object`];
    const want = expected as Record<string, unknown>;
    const got = actual as Record<string, unknown>;
    const problems = Object.keys(got)
      .filter((key) => !(key in want))
      .map((key) => `${path}.${key}: not expected (${show(got[key])})`);
    for (const key of Object.keys(want)) {
      if (!(key in got)) problems.push(`${path}.${key}: missing`);
      else problems.push(...differences(want[key], got[key], variables, bound, `${path}.${key}`));
    }
    return problems;
  }
  return Object.is(expected, actual) ? [] : [`${path}: ${show(actual)} instead of ${show(expected)}`];
}

const show = (value: unknown): string => JSON.stringify(value);

/** Every field of the answer against the copied field table (§4.5): documented, of the documented type. */
function fieldTableProblems(answer: unknown): string[] {
  const { fields } = read<{ fields: Record<string, FieldSpec> }>('fields.json');
  const problems: string[] = [];
  const walk = (value: unknown, path: string): void => {
    if (path !== '') {
      const spec = fields[path];
      if (spec === undefined) {
        problems.push(`${path}: not a documented field`);
        return;
      }
      const type = typeof spec === 'string' ? spec : spec.type;
      if (jsonType(value) !== type) problems.push(`${path}: ${jsonType(value)} instead of ${type}`);
    }
    if (Array.isArray(value)) for (const element of value) walk(element, `${path}[]`);
    else if (typeof value === 'object' && value !== null) {
      const object = value as Record<string, unknown>;
      for (const [key, child] of Object.entries(object)) walk(child, path === '' ? key : `${path}.${key}`);
      for (const [field, spec] of Object.entries(fields)) {
        const [parent, key] = splitPath(field);
        if (parent === path && typeof spec === 'string' && !key.endsWith('[]') && !(key in object))
          problems.push(`${field}: missing`);
      }
    }
  };
  walk(answer, '');
  return problems;
}

function splitPath(field: string): [string, string] {
  const dot = field.lastIndexOf('.');
  return dot < 0 ? ['', field] : [field.slice(0, dot), field.slice(dot + 1)];
}

function jsonType(value: unknown): string {
  if (Array.isArray(value)) return 'array';
  if (value === null) return 'null';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

/** The answer matches the vector `name` (sharing `bound` variables with earlier vectors of the same meeting). */
async function expectVector(l: Live, name: string, bound = new Map<string, unknown>()): Promise<void> {
  const vector = read<Vector>(name);
  const answer = await realTimeInfo(l);
  expect(fieldTableProblems(answer), show(answer)).toEqual([]);
  expect(differences(vector.answer, answer, vector.$variables ?? {}, bound), show(answer)).toEqual([]);
}

describe('GET realTimeInfo against golden vectors', () => {
  it('a started meeting nobody joined (empty.json)', async () => {
    await expectVector(await live(), 'empty.json');
  });

  it('a running meeting: host, invited and uninvited guests, muted, hand raised, sharing, co-host, locked (running.json)', async () => {
    const l = await live({
      attendees: [
        { name: 'Alice', phone: '+99100000000021', accountId: 'alice.account', type: 'normal' },
        { name: 'Dave', phone: '+99100000000024', type: 'mobile' },
      ],
    });
    await joinAsHost(l);
    await joinSite(l, { name: 'Alice', tel: '+99100000000021' });
    await joinSite(l, BOB);
    await joinSite(l, CAROL);
    await control(l, 'PUT', '/participants/mute', `&participantID=${BOB.pid}`, { isMute: 1 });
    await media(l, 'PUT', `/participants/${BOB.pid}/hand`, { raised: true });
    await media(l, 'PUT', `/participants/${CAROL.pid}/share`, { sharing: true });
    await control(l, 'PUT', '/participants/cohost', `&participantID=${CAROL.pid}`, { isCohost: 1 });
    await control(l, 'PUT', '/lock', '', { isLock: 1 });
    await expectVector(l, 'running.json');
  });

  it('an in-meeting invitee being called, then answering, keeps its pid (calling.json, answered.json)', async () => {
    const l = await live();
    await joinAsHost(l);
    await control(l, 'POST', '/participants', '', {
      attendees: [{ name: 'Erin', phone: '+99100000000025', type: 'mobile' }],
    });
    const bound = new Map<string, unknown>();
    await expectVector(l, 'calling.json', bound);
    await media(l, 'POST', `/participants/${String(bound.get('$erin'))}/answer`, { resultCode: 0 });
    await expectVector(l, 'answered.json', bound);
  });

  it('a multi-picture layout set by the host, then the host leaving and the layout back to automatic (multi-picture.json, host-left.json)', async () => {
    const l = await live();
    await joinAsHost(l);
    await joinSite(l, CAROL);
    await control(l, 'PUT', '/display/multiPicture', '', {
      manualSet: 1,
      imageType: 'Two',
      subscriberInPics: [
        { index: 2, subscriber: [CAROL.tel], isAssistStream: 1 },
        { index: 1, subscriber: [HOST.pid] },
      ],
      switchTime: 10,
    });
    await expectVector(l, 'multi-picture.json');
    await media(l, 'POST', `/participants/${HOST.pid}/leave`, {});
    await control(l, 'PUT', '/display/multiPicture', '', { manualSet: 0 });
    await expectVector(l, 'host-left.json');
  });
});
