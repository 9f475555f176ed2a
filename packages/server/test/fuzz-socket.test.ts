/**
 * Property-based fuzzing of the push socket of a real node (issue 7): every frame type (`Subscribe`, `HeartBeat`,
 * `ConfControl`, unknown actions) with `data` as a string, an object or garbage, `sequence` of every type and size,
 * deep nesting, poison keys, valid and invalid tokens; binary frames, text frames that are not UTF-8, frames over
 * `maxFrameBytes`, and bytes that are not WebSocket framing at all.
 *
 * For every case the node does what the protocol documents for each frame — the reply (with a documented
 * `returnCode`), the HeartBeat echo, or the documented close code — and nothing else: no undocumented close, no
 * crash, nothing unhandled, no prototype touched, and no change of the meeting (a `ConfControl` that succeeds —
 * captions switched, a token kept alive — is the only legitimate change). The expected outcome of a frame is
 * what `parseClientFrame` (the one codec, unit-tested on its own) classifies it as.
 */
import { CLOSE_CODES, parseClientFrame, PUSH_CATEGORIES, REPLY_CODES } from '@confpush/protocol';
import fc from 'fast-check';
import { WebSocket } from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  INVALID_UTF8,
  jsonNode,
  rarely,
  numberText,
  POISON_KEYS,
  toText,
  type JsonNode,
} from './fuzz/arbitraries.js';
import { params, runs, timeoutFor } from './fuzz/runs.js';
import { startSharedServer } from './fuzz/server.js';
import { ProcessGuard, StateProbe } from './fuzz/state.js';
import { World } from './fuzz/world.js';
import { pushUrl, wsToken } from './chain.js';
import type { Session } from '../src/gateway/session.js';
import type { TestServer } from './helpers.js';

const MAX_FRAME = 16 * 1024;
const DOCUMENTED_CLOSES = new Set<number>(Object.values(CLOSE_CODES).map((c) => c.code));
const REPLY_BY_CODE = new Map<number, string>(Object.values(REPLY_CODES).map((c) => [c.code, c.desc]));

type FrameSpec =
  | { kind: 'text'; text: string }
  | { kind: 'binary'; bytes: Buffer }
  | { kind: 'invalid-utf8'; bytes: Buffer }
  | { kind: 'oversize'; size: number }
  | { kind: 'ping' };

/** What the node must do with a frame. */
type Expectation =
  | { reply: { action: string; sequence?: string | undefined; code?: number } }
  | { close: number }
  | { nothing: true };

function expectationOf(frame: FrameSpec): Expectation {
  switch (frame.kind) {
    case 'binary':
      return { close: CLOSE_CODES.BAD_FRAME.code };
    case 'invalid-utf8':
      return { close: CLOSE_CODES.INVALID_UTF8.code };
    case 'oversize':
      return { close: CLOSE_CODES.MESSAGE_TOO_BIG.code };
    case 'ping':
      return { nothing: true };
    case 'text': {
      if (Buffer.byteLength(frame.text) > MAX_FRAME) return { close: CLOSE_CODES.MESSAGE_TOO_BIG.code };
      const parsed = parseClientFrame(frame.text);
      if (!parsed.ok) {
        const fault = parsed.fault;
        if (fault.kind === 'close') return { close: CLOSE_CODES.BAD_FRAME.code };
        return { reply: { action: fault.action, sequence: fault.sequence, code: fault.code.code } };
      }
      return { reply: { action: parsed.frame.action, sequence: parsed.frame.sequence } };
    }
  }
}

interface Socket {
  ws: WebSocket;
  /** The node's end of the socket. */
  session: Session;
  frames: string[];
  closed?: { code: number; reason: string };
  wake: () => void;
}

let server: TestServer;
let world: World;
let probe: StateProbe;
let guard: ProcessGuard;
let current: Socket | undefined;
let otherMeetingToken = '';
const stats = { cases: 0, frames: 0, closes: new Map<number, number>(), replies: new Map<number, number>() };

async function openSocket(): Promise<Socket> {
  await world.ensure();
  const tmp = await wsToken(server, world.conferenceID, world.host);
  const ws = new WebSocket(pushUrl(server.url.replace(/^http/, 'ws'), world.conferenceID, tmp), {
    maxPayload: 64 * 1024 * 1024,
  });
  const before = new Set(server.node.gateway.sessions);
  const socket: Socket = { ws, frames: [], wake: () => {}, session: undefined as unknown as Session };
  ws.on('message', (data: Buffer) => {
    socket.frames.push(data.toString('utf8'));
    socket.wake();
  });
  ws.on('close', (code: number, reason: Buffer) => {
    socket.closed = { code, reason: reason.toString() };
    socket.wake();
  });
  ws.on('error', () => {});
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('close', () => reject(new Error(`refused: ${socket.closed?.code}`)));
  });
  socket.session = [...server.node.gateway.sessions].find((s) => !before.has(s))!;
  // Using the WebSocket token removed it from the store: that change is the test's own.
  await probe.baseline([world.conferenceID]);
  return socket;
}

async function waitFor(socket: Socket, done: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    const left = deadline - Date.now();
    if (left <= 0) return false;
    await new Promise<void>((resolve) => {
      const t = setTimeout(resolve, left);
      socket.wake = () => {
        clearTimeout(t);
        resolve();
      };
    });
  }
  return true;
}

beforeAll(async () => {
  server = await startSharedServer({
    maxFrameBytes: MAX_FRAME,
    framesPerSecond: 0,
    authFailuresPerAddress: 0,
    authFailuresPerTarget: 0,
    calleeAnswerDelayMs: -1,
  });
  world = await World.create(server);
  probe = new StateProbe(server);
  guard = new ProcessGuard();
  // A live control token of another meeting of the same enterprise.
  const other = await World.create(server);
  otherMeetingToken = other.host;
  await world.ensure();
  await probe.baseline([world.conferenceID]);
}, 60_000);

afterAll(() => {
  current?.ws.terminate();
  probe.close();
  guard.dispose();
  const list = (m: Map<number, number>) =>
    [...m]
      .sort(([a], [b]) => a - b)
      .map(([k, n]) => `${k}×${n}`)
      .join(' ');
  console.info(
    `socket fuzz: ${stats.cases} cases, ${stats.frames} frames; closes ${list(stats.closes)}; replies ${list(stats.replies)}`,
  );
});

// --- arbitraries -----------------------------------------------------------------------------------------------

/** Strings for inside a frame: odd but short (a huge one closes the socket with 1009; `oversize` covers that). */
const shortString = fc.oneof(
  { weight: 3, arbitrary: fc.string({ maxLength: 30 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 12 }) },
  {
    weight: 1,
    arbitrary: fc.constantFrom('', ' ', '\u0000', '\ud800', ...POISON_KEYS, 'null', 'Basic ', '1e309'),
  },
  { weight: 1, arbitrary: fc.integer({ min: 100, max: 4000 }).map((n) => 'y'.repeat(n)) },
);

const str = (v: string): JsonNode => ({ t: 'str', v });
const obj = (entries: [string, JsonNode][]): JsonNode => ({ t: 'obj', entries });

/** A control token as a frame carries it: the socket's, a participant's, another meeting's, garbage; raw or Basic. */
const confTokenNode: fc.Arbitrary<JsonNode> = fc
  .tuple(fc.constantFrom('host', 'host', 'guest', 'other', 'garbage'), fc.boolean(), shortString)
  .map(([which, basic, garbage]) => {
    const raw =
      which === 'host'
        ? world.host
        : which === 'guest'
          ? world.guest
          : which === 'other'
            ? otherMeetingToken
            : garbage;
    return str(basic ? `Basic ${Buffer.from(raw).toString('base64')}` : raw);
  });

const sequenceNode: fc.Arbitrary<JsonNode | undefined> = fc.oneof(
  fc.constant(undefined),
  fc.constant(str('000000000000000001702459164879')),
  shortString.map(str),
  numberText.map((raw): JsonNode => ({ t: 'num', raw })),
  jsonNode([], 2),
);

const categories = fc.array(
  fc.oneof(
    fc.constantFrom(...PUSH_CATEGORIES),
    fc.constantFrom('CustomMultiPicNotify', ...POISON_KEYS),
    shortString,
  ),
  { maxLength: 12 },
);

const resumeNode: fc.Arbitrary<JsonNode> = fc
  .array(
    fc.tuple(
      fc.oneof(fc.constantFrom(...PUSH_CATEGORIES), fc.constantFrom(...POISON_KEYS)),
      fc.oneof(
        fc.tuple(shortString, numberText).map(([epoch, seq]) =>
          obj([
            ['epoch', str(epoch)],
            ['seq', { t: 'num', raw: seq }],
          ]),
        ),
        jsonNode([], 2),
      ),
    ),
    { maxLength: 4 },
  )
  .map((entries) => obj(entries));

const subscribeData: fc.Arbitrary<JsonNode> = fc
  .record({
    subscribeType: fc.oneof(
      categories.map((c): JsonNode => ({ t: 'arr', items: c.map(str) })),
      jsonNode([], 2),
    ),
    confToken: fc.option(confTokenNode, { freq: 8, nil: undefined }),
    conferenceID: rarely(
      fc.oneof(
        fc.constant(undefined).map(() => str(world.conferenceID)),
        shortString.map(str),
      ),
      3,
    ),
    resume: rarely(resumeNode, 3),
    extra: rarely(fc.tuple(fc.constantFrom(...POISON_KEYS, 'x'), jsonNode([], 2)), 4),
  })
  .map(({ subscribeType, confToken, conferenceID, resume, extra }) => {
    const entries: [string, JsonNode][] = [['subscribeType', subscribeType]];
    if (confToken) entries.push(['confToken', confToken]);
    if (conferenceID) entries.push(['conferenceID', conferenceID]);
    if (resume) entries.push(['resume', resume]);
    if (extra) entries.push(extra);
    return obj(entries);
  });

const controlData: fc.Arbitrary<JsonNode> = fc
  .record({
    confToken: fc.option(confTokenNode, { freq: 8, nil: undefined }),
    fields: fc.array(
      fc.tuple(
        fc.constantFrom('isSubtitle', 'subtitleType', 'id', 'sisProperty', 'conferenceID', ...POISON_KEYS),
        fc.oneof(
          fc.constantFrom<JsonNode>({ t: 'num', raw: '0' }, { t: 'num', raw: '1' }, str('1'), str('0')),
          fc.constant(undefined).map((): JsonNode => ({ t: 'arr', items: [str('fuzzsite0001')] })),
          jsonNode([], 2),
        ),
      ),
      { maxLength: 4 },
    ),
  })
  .map(({ confToken, fields }) =>
    obj([...(confToken ? [['confToken', confToken] as [string, JsonNode]] : []), ...fields]),
  );

/** `data` as Huawei sends it (a JSON string), as an object, or as something else. */
const dataOf = (inner: fc.Arbitrary<JsonNode>) =>
  fc.oneof(
    { weight: 8, arbitrary: inner.map((n) => str(toText(n))) },
    { weight: 6, arbitrary: inner },
    { weight: 1, arbitrary: jsonNode(['subscribeType', 'confToken'], 3) },
    { weight: 1, arbitrary: shortString.map(str) },
  );

const deepText = fc
  .tuple(fc.constantFrom(100, 1_000, 5_000), fc.constantFrom('data', 'sequence', 'resume'))
  .map(([n, where]) => {
    const deep = '['.repeat(n) + ']'.repeat(n);
    if (where === 'data') return `{"action":"Subscribe","sequence":"1","data":${deep}}`;
    if (where === 'sequence') return `{"action":"HeartBeat","sequence":${deep}}`;
    return `{"action":"Subscribe","data":{"subscribeType":["AttendeesNotify"],"confToken":${JSON.stringify(world.host)},"resume":{"AttendeesNotify":${deep}}}}`;
  });

const textFrame: fc.Arbitrary<string> = fc.oneof(
  {
    weight: 40,
    arbitrary: fc
      .record({
        action: fc.oneof(
          { weight: 24, arbitrary: fc.constantFrom('Subscribe', 'HeartBeat', 'ConfControl') },
          { weight: 1, arbitrary: fc.constantFrom(' Subscribe', 'subscribe', 'Unsubscribe', ...POISON_KEYS) },
          { weight: 1, arbitrary: shortString },
        ),
        actionNode: rarely(jsonNode([], 1), 40),
        sequence: sequenceNode,
        type: fc.oneof(fc.constantFrom('REALTIMESUBTITLE', 'REFRESHTOKEN'), shortString),
        subscribe: dataOf(subscribeData),
        control: dataOf(controlData),
        keySpace: fc.constantFrom('', '', '', '', ' ', 'trailing'),
        duplicateAction: rarely(shortString, 8),
        extra: rarely(fc.tuple(fc.constantFrom(...POISON_KEYS, 'returnCode'), jsonNode([], 2)), 4),
      })
      .map((f) => {
        const key = (k: string) => (f.keySpace === ' ' ? ` ${k}` : f.keySpace === 'trailing' ? `${k} ` : k);
        const entries: [string, JsonNode][] = [];
        if (f.duplicateAction !== undefined) entries.push([key('action'), str(f.duplicateAction)]);
        entries.push([key('action'), f.actionNode ?? str(f.action)]);
        if (f.sequence) entries.push([key('sequence'), f.sequence]);
        if (f.action === 'ConfControl') entries.push([key('type'), str(f.type)], [key('data'), f.control]);
        else if (f.action !== 'HeartBeat') entries.push([key('data'), f.subscribe]);
        if (f.extra) entries.push(f.extra);
        return toText(obj(entries));
      }),
  },
  { weight: 2, arbitrary: jsonNode(['action', 'sequence', 'data', 'type'], 3).map(toText) },
  { weight: 1, arbitrary: deepText },
  { weight: 1, arbitrary: shortString },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      '',
      '{}',
      '[]',
      'null',
      '{"action":null}',
      '{"action":1}',
      '{"action":"HeartBeat"',
      '\ufeff{"action":"HeartBeat"}',
    ),
  },
);

const frameSpec: fc.Arbitrary<FrameSpec> = fc.oneof(
  { weight: 80, arbitrary: textFrame.map((text) => ({ kind: 'text' as const, text })) },
  {
    weight: 1,
    arbitrary: fc
      .uint8Array({ maxLength: 200 })
      .map((a) => ({ kind: 'binary' as const, bytes: Buffer.from(a) })),
  },
  {
    weight: 1,
    arbitrary: fc.tuple(textFrame, fc.constantFrom(...INVALID_UTF8), fc.nat()).map(([text, bad, at]) => {
      const cut = at % Math.max(1, Math.min(text.length, 200));
      return {
        kind: 'invalid-utf8' as const,
        bytes: Buffer.concat([Buffer.from(text.slice(0, cut)), bad, Buffer.from(text.slice(cut, 1000))]),
      };
    }),
  },
  {
    weight: 1,
    arbitrary: fc
      .constantFrom(MAX_FRAME + 1, MAX_FRAME * 4)
      .map((size) => ({ kind: 'oversize' as const, size })),
  },
  { weight: 1, arbitrary: fc.constant({ kind: 'ping' as const }) },
);

// --- the property ----------------------------------------------------------------------------------------------

function send(socket: Socket, frame: FrameSpec): void {
  switch (frame.kind) {
    case 'text':
      socket.ws.send(frame.text);
      return;
    case 'binary':
      socket.ws.send(frame.bytes, { binary: true });
      return;
    case 'invalid-utf8':
      socket.ws.send(frame.bytes, { binary: false });
      return;
    case 'oversize':
      socket.ws.send('x'.repeat(frame.size));
      return;
    case 'ping':
      socket.ws.ping();
      return;
  }
}

function describeFrames(frames: FrameSpec[]): string {
  return JSON.stringify(
    frames.map((f) =>
      f.kind === 'text'
        ? f.text.slice(0, 400)
        : f.kind === 'oversize'
          ? `oversize ${f.size}`
          : `${f.kind} ${'bytes' in f ? f.bytes.toString('hex').slice(0, 80) : ''}`,
    ),
  );
}

async function runCase(frames: FrameSpec[]): Promise<void> {
  if (!current || current.closed) current = await openSocket();
  const socket = current;
  socket.frames.length = 0;
  stats.cases++;
  const expected: Expectation[] = [];
  for (const frame of frames) {
    const e = expectationOf(frame);
    expected.push(e);
    stats.frames++;
    if (socket.ws.readyState === WebSocket.OPEN) send(socket, frame);
    if ('close' in e) break;
  }
  const fail = (why: string): never => {
    throw new Error(
      `${why}\n  frames: ${describeFrames(frames)}\n  received: ${JSON.stringify(socket.frames.map((f) => f.slice(0, 300)))}\n  closed: ${JSON.stringify(socket.closed)}`,
    );
  };
  const closing = expected.find((e): e is { close: number } => 'close' in e);
  const replies = expected.filter((e) => 'reply' in e).length;
  const answers = () => socket.frames.filter((f) => !f.includes('"msgMode"'));
  if (closing) {
    // Replies to frames before the closing one may be cut off by the close.
    if (!(await waitFor(socket, () => socket.closed !== undefined, 5000)))
      fail(`not closed (expected ${closing.close})`);
    if (socket.closed?.code !== closing.close)
      fail(`closed with ${socket.closed?.code}, expected ${closing.close}`);
  } else {
    if (!(await waitFor(socket, () => answers().length >= replies || socket.closed !== undefined, 5000)))
      fail(`expected ${replies} replies`);
    if (socket.closed) fail(`closed unexpectedly`);
    // Nothing more than one answer per frame.
    await new Promise((r) => setImmediate(r));
    if (answers().length !== replies) fail(`expected ${replies} replies, got ${answers().length}`);
  }
  if (socket.closed) {
    stats.closes.set(socket.closed.code, (stats.closes.get(socket.closed.code) ?? 0) + 1);
    if (!DOCUMENTED_CLOSES.has(socket.closed.code)) fail(`undocumented close code ${socket.closed.code}`);
  }
  let succeeded = false;
  for (const text of answers()) {
    let frame: { action?: unknown; data?: { returnCode?: unknown; returnDesc?: unknown } };
    try {
      frame = JSON.parse(text) as typeof frame;
    } catch {
      fail(`the node sent something that is not JSON: ${text.slice(0, 200)}`);
      return;
    }
    if (frame.action === 'HeartBeat') continue;
    const code = frame.data?.returnCode;
    if (typeof code !== 'number' || REPLY_BY_CODE.get(code) !== frame.data?.returnDesc)
      fail(`undocumented reply ${text.slice(0, 200)}`);
    stats.replies.set(code as number, (stats.replies.get(code as number) ?? 0) + 1);
    if (code === 0 && frame.action === 'ConfControl') succeeded = true;
  }
  // A reply fault must carry the code the codec said.
  for (const e of expected) {
    if (!('reply' in e) || e.reply.code === undefined) continue;
    const code = e.reply.code;
    if (!answers().some((t) => t.includes(`"returnCode":${code}`))) fail(`no reply with returnCode ${code}`);
  }
  const problem = guard.check();
  if (problem) fail(problem);
  // A ConfControl frame followed by a closing one may have been carried out with its reply cut off by the close.
  const controls = expected.filter((e) => 'reply' in e && e.reply.action === 'ConfControl').length;
  const controlReplies = answers().filter((t) => t.startsWith('{"action":"ConfControl"')).length;
  if (closing && controlReplies < controls) {
    await socket.session.settled();
    succeeded = true;
  }
  if (succeeded) {
    await world.ensure();
    await probe.baseline([world.conferenceID]);
  } else {
    const changed = await probe.changes([world.conferenceID]);
    if (changed) fail(`frames changed state: ${changed}`);
  }
}

describe('push socket fuzzing', () => {
  it(
    'answers every frame as documented, or closes with the documented code, and changes nothing',
    async () => {
      await fc.assert(
        fc.asyncProperty(fc.array(frameSpec, { minLength: 1, maxLength: 4 }), runCase),
        params(8000),
      );
    },
    timeoutFor(8000, 25),
  );

  it('closes with 1009 on a frame header announcing more than maxFrameBytes, before the payload arrives', async () => {
    const socket = await openSocket();
    // FIN + text, masked, 64-bit length of 100 MB, a mask, and only 4 bytes of the payload.
    const header = Buffer.from([
      0x81, 0xff, 0, 0, 0, 0, 0x05, 0xf5, 0xe1, 0x00, 1, 2, 3, 4, 0x61, 0x62, 0x63, 0x64,
    ]);
    (socket.ws as unknown as { _socket: import('node:net').Socket })._socket.write(header);
    expect(await waitFor(socket, () => socket.closed !== undefined, 2000)).toBe(true);
    expect(socket.closed?.code).toBe(1009);
    expect(await probe.changes([world.conferenceID])).toBeUndefined();
  });

  it(
    'survives bytes that are not WebSocket framing, and keeps serving',
    async () => {
      await fc.assert(
        fc.asyncProperty(fc.uint8Array({ minLength: 1, maxLength: 300 }), async (bytes) => {
          const socket = await openSocket();
          stats.cases++;
          // The bytes, then the end of what this side sends: the node either refuses the bytes (its close frame
          // comes first) or waits for more and sees the end (1006); either way the socket closes.
          const raw = (socket.ws as unknown as { _socket: import('node:net').Socket })._socket;
          raw.end(Buffer.from(bytes));
          if (!(await waitFor(socket, () => socket.closed !== undefined, 5000)))
            throw new Error(`not closed after ${Buffer.from(bytes).toString('hex')} and the end of input`);
          if (socket.closed && !DOCUMENTED_CLOSES.has(socket.closed.code) && socket.closed.code !== 1006)
            throw new Error(
              `undocumented close ${socket.closed.code} after ${Buffer.from(bytes).toString('hex')}`,
            );
          socket.ws.terminate();
          expect(guard.check()).toBeUndefined();
          expect(await probe.changes([world.conferenceID])).toBeUndefined();
        }),
        params(300),
      );
      expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    },
    timeoutFor(300, 150),
  );

  it('ran the number of cases it claims', () => {
    expect(stats.cases).toBeGreaterThanOrEqual(runs(8000) + runs(300));
  });
});
