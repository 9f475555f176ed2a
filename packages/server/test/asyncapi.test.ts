/**
 * The AsyncAPI document of the push socket (docs/asyncapi.yaml, served at `/asyncapi.yaml`): it parses and validates
 * with @asyncapi/parser, lists every push category, close code and reply code of the protocol package (so it
 * cannot drift), and the frames a real node sends match the payload schemas of their messages.
 */
import { readFileSync } from 'node:fs';
import { Parser, type AsyncAPIDocumentInterface } from '@asyncapi/parser';
import { CLOSE_CODES, PUSH_CATEGORIES, REPLY_CODES } from '@confpush/protocol';
import { beforeAll, describe, expect, it } from 'vitest';
import { http, openPush, runningMeeting } from './chain.js';
import { startTestServer } from './helpers.js';
import type { Frame } from './push-client.js';

const FILE = new URL('../../../docs/asyncapi.yaml', import.meta.url);
const CHANNEL_ADDRESS = '/cms/open/websocket/confctl/increment/conn';

let document: AsyncAPIDocumentInterface;

beforeAll(async () => {
  const { document: parsed, diagnostics } = await new Parser().parse(readFileSync(FILE, 'utf8'));
  const errors = diagnostics.filter((d) => d.severity === 0);
  expect(errors.map((d) => `${d.path.join('.')}: ${d.message}`)).toEqual([]);
  expect(parsed).toBeDefined();
  document = parsed!;
});

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function typeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

/**
 * Why `value` does not match a (dereferenced) JSON schema, for the keywords docs/asyncapi.yaml uses. Keywords it
 * does not know (descriptions, examples, parser annotations) are ignored.
 */
function mismatches(schema: unknown, value: unknown, at = '$'): string[] {
  if (!isObject(schema)) return [];
  const out: string[] = [];
  const type = schema['type'];
  if (type !== undefined) {
    const types = Array.isArray(type) ? (type as string[]) : [type as string];
    const actual = typeOf(value);
    if (!types.includes(actual) && !(actual === 'integer' && types.includes('number'))) {
      return [`${at}: ${actual} is not ${types.join('|')}`];
    }
  }
  if ('const' in schema && schema['const'] !== value)
    out.push(`${at}: not ${JSON.stringify(schema['const'])}`);
  if (Array.isArray(schema['enum']) && !schema['enum'].includes(value))
    out.push(`${at}: ${JSON.stringify(value)} not in enum`);
  if (typeof value === 'string') {
    if (typeof schema['pattern'] === 'string' && !new RegExp(schema['pattern']).test(value)) {
      out.push(`${at}: does not match ${schema['pattern']}`);
    }
    if (typeof schema['maxLength'] === 'number' && value.length > schema['maxLength'])
      out.push(`${at}: too long`);
  }
  if (typeof value === 'number' && typeof schema['minimum'] === 'number' && value < schema['minimum']) {
    out.push(`${at}: below ${schema['minimum']}`);
  }
  if (Array.isArray(value)) {
    if (typeof schema['maxItems'] === 'number' && value.length > schema['maxItems'])
      out.push(`${at}: too many items`);
    if (schema['items'] !== undefined)
      value.forEach((v, i) => out.push(...mismatches(schema['items'], v, `${at}[${i}]`)));
  }
  if (isObject(value)) {
    for (const name of (schema['required'] as string[] | undefined) ?? []) {
      if (!(name in value)) out.push(`${at}: missing ${name}`);
    }
    const properties = (schema['properties'] as Json | undefined) ?? {};
    for (const [k, v] of Object.entries(value)) {
      if (k in properties) out.push(...mismatches(properties[k], v, `${at}.${k}`));
      else if (schema['additionalProperties'] === false) out.push(`${at}: unexpected ${k}`);
      else if (isObject(schema['additionalProperties'])) {
        out.push(...mismatches(schema['additionalProperties'], v, `${at}.${k}`));
      }
    }
  }
  for (const s of (schema['allOf'] as unknown[] | undefined) ?? []) out.push(...mismatches(s, value, at));
  const oneOf = schema['oneOf'] as unknown[] | undefined;
  if (oneOf && oneOf.filter((s) => mismatches(s, value, at).length === 0).length !== 1) {
    out.push(`${at}: matches not exactly one of oneOf`);
  }
  return out;
}

function channel() {
  const found = document
    .channels()
    .all()
    .find((c) => c.address() === CHANNEL_ADDRESS);
  expect(found, 'the push channel').toBeDefined();
  return found!;
}

function payloadOf(messageName: string): unknown {
  const message = channel()
    .messages()
    .all()
    .find((m) => m.name() === messageName);
  expect(message, messageName).toBeDefined();
  return message!.payload()?.json();
}

describe('AsyncAPI document', () => {
  it('describes the connection URL with confID and tmpToken, and the client frames', () => {
    const ws = channel().bindings().get('ws')?.value() as { query?: { required?: string[] } } | undefined;
    expect(ws?.query?.required).toEqual(['confID', 'tmpToken']);
    const received = document
      .operations()
      .all()
      .filter((o) => o.action() === 'receive')
      .flatMap((o) =>
        o
          .messages()
          .all()
          .map((m) => m.name()),
      );
    expect(received.sort()).toEqual(['ConfControl', 'HeartBeat', 'Subscribe']);
    // `data` may be a JSON string or an object, and Subscribe documents the resume extension.
    expect(mismatches(payloadOf('Subscribe'), { action: 'Subscribe', data: '{"subscribeType":[]}' })).toEqual(
      [],
    );
    const subscribe = {
      action: 'Subscribe',
      sequence: 1,
      data: {
        subscribeType: ['AttendeesNotify'],
        confToken: 't',
        resume: { AttendeesNotify: { epoch: 'e', seq: 3 } },
      },
    };
    expect(mismatches(payloadOf('Subscribe'), subscribe)).toEqual([]);
    expect(
      mismatches(payloadOf('Subscribe'), {
        ...subscribe,
        data: { ...subscribe.data, resume: { A: { seq: -1 } } },
      }),
    ).not.toEqual([]);
  });

  it('has a push message for every category in PUSH_CATEGORIES', () => {
    const pushed = document
      .operations()
      .all()
      .filter((o) => o.action() === 'send')
      .flatMap((o) => o.messages().all())
      .filter((m) => m.name()?.endsWith('Notify'));
    expect(pushed.map((m) => m.name()).sort()).toEqual([...PUSH_CATEGORIES].sort());
    for (const category of PUSH_CATEGORIES) {
      const schema = payloadOf(category);
      // The envelope: action of this category, Huawei's fields, and the confpush full-message position.
      const full = {
        action: category,
        version: category === 'RealTimeSubtitleNotify' ? '1700000000000' : 1700000000000,
        createTime: category === 'RealTimeSubtitleNotify' ? '1700000000000' : 1700000000000,
        msgID: '0123456789abcdef0123456789abcdef',
        msgMode: 0,
        confID: '900000001',
        seq: 0,
        epoch: '1f2e3d4c5b6a',
        ...(category === 'InterpreterGroupNotify' ? { interpreterGroups: [] } : {}),
        ...(/Attendees|Participants|NetCondition|InviteResult|WaitingList|InterpreterGroup/.test(category)
          ? { data: [] }
          : {}),
      };
      expect(mismatches(schema, full), category).toEqual([]);
      expect(mismatches(schema, { ...full, action: 'SomethingElse' }), category).not.toEqual([]);
      expect(mismatches(schema, { ...full, msgID: 'x' }), category).not.toEqual([]);
    }
  });

  it('lists every close code and every reply code of the protocol package', () => {
    const json = channel().json() as { 'x-close-codes': Json[]; 'x-reply-codes': Json[] };
    const close = json['x-close-codes'].map((c) => [c['code'], c['reason'], c['advice']]);
    expect(close.sort()).toEqual(
      Object.values(CLOSE_CODES)
        .map((c) => [c.code, c.reason, c.advice])
        .sort(),
    );
    const reply = json['x-reply-codes'].map((c) => [c['code'], c['desc']]);
    expect(reply.sort()).toEqual(
      Object.values(REPLY_CODES)
        .map((c) => [c.code, c.desc])
        .sort(),
    );
    // The description tables and the reply schema's enums say the same.
    const description = channel().description() ?? '';
    for (const c of Object.values(CLOSE_CODES))
      expect(description).toMatch(new RegExp(`\\| ${c.code} \\| \`${c.reason}\``));
    for (const c of Object.values(REPLY_CODES))
      expect(description).toMatch(new RegExp(`\\| ${c.code} +\\| \`${c.desc}\``));
    const replyData = (payloadOf('SubscribeReply') as { properties: { data: Json } }).properties.data;
    const properties = replyData['properties'] as {
      returnCode: { enum: number[] };
      returnDesc: { enum: string[] };
    };
    expect(properties.returnCode.enum.sort()).toEqual(
      Object.values(REPLY_CODES)
        .map((c) => c.code)
        .sort(),
    );
    expect(properties.returnDesc.enum.sort()).toEqual(
      Object.values(REPLY_CODES)
        .map((c) => c.desc)
        .sort(),
    );
  });

  it('matches the frames a real node sends: replies, heartbeat echo, full and incremental messages', async () => {
    const server = await startTestServer();
    const meeting = await runningMeeting(server, { attendees: [{ name: 'A', phone: '+100' }] });
    const { client, conf } = await openPush(server, meeting.conferenceID, meeting.chairPwd);
    client.subscribe(conf.token, [...PUSH_CATEGORIES, 'CustomMultiPicNotify']);
    const reply = await client.nextAction('Subscribe');
    for (const category of PUSH_CATEGORIES) await client.nextAction(category);
    const invite = await http(
      server,
      'POST',
      `/v1/mmc/control/conferences/participants?conferenceID=${meeting.conferenceID}`,
      {
        headers: { 'X-Conference-Authorization': conf.token },
        body: { attendees: [{ name: 'guest', phone: '+200', type: 'normal' }] },
      },
    );
    expect(invite.status).toBe(200);
    const incremental = await client.next((f) => f.action === 'AttendeesNotify' && f['msgMode'] === 1);
    // Drive every other category through the engine, as the media plane would.
    const engine = server.node.engine;
    const id = meeting.conferenceID;
    await engine.execute(id, { type: 'join', site: { pid: 'p1', name: 'Alice', tel: '+300' } });
    await engine.execute(id, { type: 'join', site: { pid: 'w1', name: 'Wait', viaWaitingRoom: true } });
    await engine.execute(id, { type: 'speakers', volumes: [{ pid: 'p1', volume: 40 }] });
    await engine.execute(id, { type: 'netQuality', reports: [{ pid: 'p1', delay: 37 }] });
    await engine.execute(id, { type: 'subtitles', on: true });
    await engine.execute(id, { type: 'caption', caption: { pid: 'p1', text: 'hello' } });
    await engine.execute(id, {
      type: 'setInterpreterGroups',
      groups: [{ groupID: 'g1', firstLanguage: 'en', secondLanguage: 'zh', interpreters: [{ name: 'I' }] }],
    });
    await engine.execute(id, { type: 'lock', locked: true });
    await engine.execute(id, { type: 'leave', pid: 'p1', reason: 11076010 });
    // The leave's InviteResultNotify is the last change: every frame before it has arrived.
    await client.next(
      (f) => f.action === 'InviteResultNotify' && JSON.stringify(f.data).includes('"resultCode":"11076010"'),
    );
    const changed = new Set(
      client.frames.filter((f) => f['msgMode'] === 1 || (f['seq'] ?? 0) !== 0).map((f) => f.action),
    );
    expect([...PUSH_CATEGORIES].filter((c) => !changed.has(c))).toEqual(['ConfBasicInfoNotify']);
    client.send({ action: 'HeartBeat', sequence: '000000000000000001611993655770' });
    const echo = await client.nextAction('HeartBeat');
    client.send({ action: 'Unsubscribe', sequence: 'x' });
    const unknown = await client.nextAction('Unsubscribe');
    client.send({
      action: 'ConfControl',
      sequence: 'y',
      type: 'REFRESHTOKEN',
      data: JSON.stringify({ confToken: conf.token }),
    });
    const control = await client.nextAction('ConfControl');
    client.send({ action: 'ConfControl', sequence: 'z', type: 'NOPE', data: { confToken: conf.token } });
    const unknownType = await client.next((f) => f.action === 'ConfControl' && f['sequence'] === 'z');
    client.close();

    const check = (message: string, frame: Frame) =>
      expect(mismatches(payloadOf(message), frame), message).toEqual([]);
    check('SubscribeReply', reply);
    check('HeartBeat', echo);
    check('UnknownActionReply', unknown);
    check('ConfControlReply', control);
    check('ConfControlReply', unknownType);
    check('AttendeesNotify', incremental);
    for (const frame of client.frames) {
      if (PUSH_CATEGORIES.includes(frame.action as (typeof PUSH_CATEGORIES)[number]))
        check(frame.action!, frame);
    }
  });
});
