/**
 * `confpush watch` and `confpush tail`: the terminal view as a pure function (hand-built meeting state), the
 * redraw scheduler, and the real CLI as a child process against a real server on loopback.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type {
  InviteResult,
  NetCondition,
  Participant,
  Speaker,
  Subtitle,
  WaitingMember,
} from '@confpush/client';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { parseCategories, parseConferenceId } from '../src/cli/credentials.js';
import { colorEnabled } from '../src/cli/palette.js';
import { formatDuration, render, type MeetingView } from '../src/cli/render.js';
import { RedrawScheduler, redrawSequence } from '../src/cli/terminal.js';
import { displayWidth, truncate } from '../src/cli/text.js';
import { frameLine } from '../src/cli/tail.js';
import { confToken, http, runningMeeting } from './chain.js';
import { eventually, startTestServer, type TestServer } from './helpers.js';

// --- the view -----------------------------------------------------------------------------------------------

const NOW = 1_700_000_000_000;
const ESC = '\x1b';

function participant(pid: string, fields: Omit<Participant, 'pid' | 'pinfo'>): Participant {
  return { pid, pinfo: {}, state: 'in-meeting', ...fields };
}

function invite(callNumber: string, resultCode: string, leaveReason?: string): InviteResult {
  return {
    callNumber,
    resultCode,
    succeeded: resultCode === '0',
    ...(leaveReason ? { leaveReason } : {}),
    raw: {},
  };
}

function caption(participantID: string, text: string, isFinal = true): Subtitle {
  return { msgs: [{ subtitleLang: 'Original', translateText: text }], participantID, isFinal, raw: {} };
}

function meetingView(overrides: Partial<MeetingView> = {}): MeetingView {
  const participants = new Map<string, Participant>(
    [
      participant('p1', { name: 'Alice', tel: '+8610000001', role: 'host', muted: false, camera: true }),
      participant('p2', {
        name: 'Bob',
        tel: '+8610000002',
        role: 'participant',
        muted: true,
        handUp: true,
        camera: false,
      }),
      participant('p3', {
        name: 'Carol',
        tel: '+8610000003',
        role: 'participant',
        coHost: true,
        sharing: true,
      }),
      participant('p4', { name: 'Dave', tel: '+8610000004', role: 'audience' }),
      participant('p5', { name: 'Erin', tel: '+8610000005', role: 'participant', state: 'calling' }),
    ].map((p) => [p.pid, p]),
  );
  const net = (participantID: string, netInfo: string): [string, NetCondition] => [
    participantID,
    { participantID, netInfo, raw: {} },
  ];
  const speakers: Speaker[] = [
    { pid: 'p1', name: 'Alice', speakingVolume: 80 },
    { pid: 'p2', name: 'Bob', speakingVolume: 20 },
  ];
  const waiting: WaitingMember = { pid: 'w1', name: 'Walter', tel: '+8610000009', pinfo: {} };
  return {
    conferenceID: '912345678',
    basicInfo: { title: 'Weekly sync', displayID: '912345678', startTime: NOW - 3_723_000, raw: {} },
    status: { state: 'Created', lock: true, mute: false, recording: true, realTimeSubtitle: true, raw: {} },
    participants,
    netConditions: new Map([net('p1', 'good'), net('p2', 'bad'), net('p3', 'normal')]),
    speakers,
    waitingList: new Map([['w1', waiting]]),
    inviteResults: [
      invite('+8610000020', '0'),
      invite('+8610000021', '0'),
      invite('+8610000022', '11076010', 'The site hung up or left by itself'),
      invite('+8610000023', '11111004', 'WebSocket timeout (network)'),
      invite('+8610000024', '404'),
      invite('+8610000025', '11076002', 'The host hung the site up from a soft client'),
    ],
    captions: [
      caption('p1', 'first caption'),
      caption('p2', 'second caption'),
      caption('p1', 'third caption'),
      caption('p9', 'fourth caption', false),
    ],
    knownNames: new Map([['p9', 'Zoe (left)']]),
    connection: { state: 'live', reconnects: 1, resumes: 3, rebuilds: 2 },
    now: NOW,
    ...overrides,
  };
}

function rowOf(lines: readonly string[], name: string): string {
  const row = lines.find((line) => line.startsWith(name));
  if (!row) throw new Error(`no line starts with ${name}:\n${lines.join('\n')}`);
  return row.split(/\s{2,}/).join('|');
}

describe('render', () => {
  it('shows the header, the roster with every flag, speakers, waiting room, invitations and captions', () => {
    const lines = render(meetingView(), { width: 120, color: false });
    const text = lines.join('\n');
    expect(lines[0]).toBe('Weekly sync');
    expect(lines[1]).toBe('conferenceID 912345678 · in progress · duration 1:02:03');
    expect(lines[2]).toBe('lock on  mute-all off  recording on  captions on');
    expect(lines[3]).toBe('connection live · reconnects 1 · resumes 3 · rebuilds 2');
    expect(text).toContain('PARTICIPANTS (5)');
    // host first, then co-host, then participants, audience last
    const order = ['Alice', 'Carol', 'Bob', 'Erin', 'Dave'].map((n) =>
      lines.findIndex((l) => l.startsWith(n)),
    );
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    expect(rowOf(lines, 'Alice')).toBe('Alice|+8610000001|host|in meeting|on|-|-|on|good');
    expect(rowOf(lines, 'Bob')).toBe('Bob|+8610000002|participant|in meeting|muted|up|-|off|bad');
    expect(rowOf(lines, 'Carol')).toBe('Carol|+8610000003|co-host|in meeting|-|-|yes|-|normal');
    expect(rowOf(lines, 'Dave')).toBe('Dave|+8610000004|audience|in meeting|-|-|-|-|-');
    expect(rowOf(lines, 'Erin')).toBe('Erin|+8610000005|participant|calling|-|-|-|-|-');

    const speakers = lines.slice(lines.indexOf('SPEAKERS') + 1, lines.indexOf('SPEAKERS') + 3);
    expect(speakers[0]).toMatch(/^Alice █+░+ {2}80$/);
    expect(speakers[1]).toMatch(/^Bob {3}█+░+ {2}20$/);
    expect(speakers[0]!.split('█').length).toBeGreaterThan(speakers[1]!.split('█').length);

    expect(text).toContain('WAITING ROOM (1)\nWalter +8610000009');
    const invitations = lines.slice(lines.indexOf('INVITATION RESULTS') + 1, lines.indexOf('CAPTIONS') - 1);
    expect(invitations).toEqual([
      '+8610000021  0         call succeeded',
      '+8610000022  11076010  left: The site hung up or left by itself',
      '+8610000023  11111004  left: WebSocket timeout (network)',
      '+8610000024  404       call failed',
      '+8610000025  11076002  left: The host hung the site up from a soft client',
    ]);
    expect(lines.slice(lines.indexOf('CAPTIONS') + 1)).toEqual([
      'Bob: second caption',
      'Alice: third caption',
      'Zoe (left): fourth caption …',
    ]);
  });

  it('says when nobody is there, nobody speaks and the meeting ended', () => {
    const lines = render(
      meetingView({
        participants: new Map(),
        speakers: [],
        waitingList: new Map(),
        inviteResults: [],
        captions: [],
        status: { state: 'Destroyed', raw: {} },
        connection: {
          state: 'reconnecting',
          reconnects: 2,
          resumes: 0,
          rebuilds: 0,
          detail: 'socket closed',
        },
      }),
      { width: 80, color: false },
    );
    expect(lines[1]).toBe('conferenceID 912345678 · ended');
    expect(lines[2]).toBe('lock -  mute-all -  recording -  captions -');
    expect(lines[3]).toBe('connection reconnecting (socket closed) · reconnects 2 · resumes 0 · rebuilds 0');
    expect(lines).toContain('nobody is in the meeting');
    expect(lines).toContain('nobody is speaking');
    expect(lines.join('\n')).not.toMatch(/WAITING ROOM|INVITATION RESULTS|CAPTIONS/);
  });

  it('cuts every line to the terminal width, shrinking the name and number columns first', () => {
    const long = 'Maximiliane Wolkenstein-Rabenhorst von Gutenberg';
    const view = meetingView({
      participants: new Map([
        ['p1', participant('p1', { name: long, tel: '+86100000000000000001', role: 'host', muted: true })],
      ]),
    });
    for (const width of [40, 60, 80, 200]) {
      const lines = render(view, { width, color: false });
      for (const line of lines) expect(displayWidth(line), line).toBeLessThanOrEqual(width);
    }
    const narrow = render(view, { width: 80, color: false });
    const row = narrow.find((l) => l.startsWith('Maxim'))!;
    expect(row).toContain('…');
    expect(row).toContain('host');
    expect(row).toContain('muted');
    const wide = render(view, { width: 200, color: false });
    expect(wide.find((l) => l.startsWith('Maxim'))).toContain('Maximiliane Wolkenstein…');
  });

  it('counts East Asian characters as two columns', () => {
    expect(displayWidth('张三')).toBe(4);
    expect(truncate('张三李四王五', 7)).toBe('张三李…');
    const view = meetingView({
      participants: new Map([['p1', participant('p1', { name: '张三', tel: '+861', role: 'host' })]]),
    });
    const lines = render(view, { width: 60, color: false });
    const header = lines.find((l) => l.startsWith('NAME'))!;
    const row = lines.find((l) => l.startsWith('张三'))!;
    expect(displayWidth(row.slice(0, row.indexOf('+861')))).toBe(header.indexOf('NUMBER'));
  });

  it('measures emoji and grapheme clusters as a terminal draws them, and never cuts one apart', () => {
    // Unicode UAX #11 / emoji-data: emoji with default emoji presentation are wide (2 columns); a ZWJ sequence
    // and a flag are one grapheme, drawn as one wide emoji.
    const rocket = '\u{1F680}';
    const family = '\u{1F468}\u200D\u{1F469}\u200D\u{1F467}';
    const flag = '\u{1F1E8}\u{1F1F3}';
    expect(displayWidth(rocket)).toBe(2);
    expect(displayWidth(family)).toBe(2);
    expect(displayWidth(flag)).toBe(2);
    expect(displayWidth(`${ESC}[1m${family}${ESC}[22m ok`)).toBe(5);
    expect(truncate(`${family}${family}${family}`, 5)).toBe(`${family}${family}…`);
    const view = meetingView({
      participants: new Map([['p1', participant('p1', { name: `Ann ${rocket}`, tel: '+861' })]]),
    });
    const lines = render(view, { width: 60, color: false });
    const header = lines.find((l) => l.startsWith('NAME'))!;
    const row = lines.find((l) => l.startsWith('Ann'))!;
    expect(displayWidth(row.slice(0, row.indexOf('+861')))).toBe(header.indexOf('NUMBER'));
  });

  it('shortens the roster to fit the screen height', () => {
    const many = new Map<string, Participant>();
    for (let i = 0; i < 60; i++) many.set(`p${i}`, participant(`p${i}`, { name: `Person ${i}` }));
    const lines = render(meetingView({ participants: many }), { width: 100, height: 30, color: false });
    expect(lines.length).toBeLessThanOrEqual(30);
    expect(lines.some((l) => /^… and \d+ more$/.test(l))).toBe(true);
    expect(lines).toContain('CAPTIONS');
  });

  it('uses ANSI colours only when asked, and never lets network text drive the terminal', () => {
    const evil = meetingView({
      basicInfo: { title: `Sync${ESC}[2J`, raw: {} },
      participants: new Map([
        ['p1', participant('p1', { name: `Mallory${ESC}]0;owned\x07\nline`, tel: '+86\r1', role: 'host' })],
      ]),
    });
    const plain = render(evil, { width: 120, color: false });
    expect(plain.join('\n')).not.toContain(ESC);
    expect(plain.join('\n')).not.toContain('\x07');
    expect(plain.join('\n')).not.toContain('\r');
    expect(plain.find((l) => l.startsWith('Mallory'))).toBeDefined();
    const coloured = render(meetingView(), { width: 120, color: true });
    expect(coloured.join('\n')).toContain(`${ESC}[`);
    // what is not a colour code (SGR) is not there, even with colours
    const nonSgr = new RegExp(`${ESC}(?!\\[[0-9;]*m)`);
    expect(render(evil, { width: 120, color: true }).join('\n')).not.toMatch(nonSgr);
    for (const line of render(meetingView(), { width: 50, color: true })) {
      expect(displayWidth(line)).toBeLessThanOrEqual(50);
    }
  });

  it('enables colours for a TTY unless NO_COLOR is set', () => {
    expect(colorEnabled({ isTTY: true }, {})).toBe(true);
    expect(colorEnabled({ isTTY: true }, { NO_COLOR: '1' })).toBe(false);
    expect(colorEnabled({ isTTY: false }, {})).toBe(false);
    expect(colorEnabled({}, {})).toBe(false);
  });

  it('formats durations and redraws in place', () => {
    expect(formatDuration(0)).toBe('0:00');
    expect(formatDuration(65_000)).toBe('1:05');
    expect(formatDuration(3_723_000)).toBe('1:02:03');
    expect(redrawSequence(['a', 'b'])).toBe(`${ESC}[Ha${ESC}[K\nb${ESC}[K\n${ESC}[J`);
  });
});

describe('RedrawScheduler', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('coalesces a burst into one draw and draws at most once per interval', () => {
    vi.useFakeTimers();
    const draw = vi.fn();
    const scheduler = new RedrawScheduler(draw, { intervalMs: 100, now: () => Date.now() });
    for (let i = 0; i < 50; i++) scheduler.request();
    vi.advanceTimersByTime(0);
    expect(draw).toHaveBeenCalledTimes(1);
    for (let i = 0; i < 50; i++) {
      scheduler.request();
      vi.advanceTimersByTime(10);
    }
    // 500 ms of continuous requests: one draw per 100 ms, and the last request is served
    vi.advanceTimersByTime(100);
    expect(draw.mock.calls.length).toBeGreaterThanOrEqual(5);
    expect(draw.mock.calls.length).toBeLessThanOrEqual(7);
    const before = draw.mock.calls.length;
    scheduler.flush();
    expect(draw).toHaveBeenCalledTimes(before + 1);
    scheduler.stop();
    scheduler.request();
    vi.advanceTimersByTime(1000);
    expect(draw).toHaveBeenCalledTimes(before + 1);
  });
});

describe('options', () => {
  it('parses categories case-insensitively with the Notify suffix optional', () => {
    expect(parseCategories('participants, SpeakerChangeNotify,speakerchange')).toEqual([
      'ParticipantsNotify',
      'SpeakerChangeNotify',
    ]);
    expect(parseCategories('all')).toHaveLength(10);
    expect(() => parseCategories('participants,bogus')).toThrow(/unknown category "bogus"/);
    expect(() => parseCategories(' , ')).toThrow(/at least one/);
    expect(parseConferenceId(' 912345678 ')).toBe('912345678');
    expect(() => parseConferenceId('91 2')).toThrow(/conference ID/);
  });

  it('prints a frame as received unless it spans lines', () => {
    expect(frameLine('{"action":"HeartBeat", "sequence":"1"}', { action: 'HeartBeat' })).toBe(
      '{"action":"HeartBeat", "sequence":"1"}',
    );
    expect(frameLine('{\n"action":"HeartBeat"}', { action: 'HeartBeat' })).toBe('{"action":"HeartBeat"}');
    expect(frameLine(undefined, { a: 1 })).toBe('{"a":1}');
  });
});

// --- the real CLI -------------------------------------------------------------------------------------------

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const BIN = join('packages', 'server', 'src', 'bin.ts');
const running = new Set<ChildProcess>();

afterEach(() => {
  for (const child of running) child.kill('SIGKILL');
  running.clear();
});

interface CliProcess {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  /** Lines of stdout so far. */
  lines: string[];
  /** Resolves with the exit code once the output has been read (rejects after `timeoutMs`). */
  exited: (timeoutMs?: number) => Promise<number | null>;
}

function runCli(args: string[], env: Record<string, string | undefined> = {}): CliProcess {
  const childEnv: Record<string, string | undefined> = { ...process.env, ...env };
  delete childEnv['NO_COLOR'];
  delete childEnv['FORCE_COLOR'];
  delete childEnv['CONFPUSH_HOST_PASSWORD'];
  delete childEnv['CONFPUSH_URL'];
  const child = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', BIN, ...args], {
    cwd: ROOT,
    env: { ...childEnv, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  let stdout = '';
  let stderr = '';
  const lines: string[] = [];
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  createInterface({ input: child.stdout! }).on('line', (line) => lines.push(line));
  // 'close', not 'exit': it comes after stdout and stderr have been read to their end.
  const exit = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  return {
    child,
    stdout: () => stdout,
    stderr: () => stderr,
    lines,
    exited: (timeoutMs = 15_000) =>
      Promise.race([
        exit,
        new Promise<never>((_, reject) =>
          setTimeout(
            () => reject(new Error(`no exit within ${timeoutMs} ms\nstdout:\n${stdout}\nstderr:\n${stderr}`)),
            timeoutMs,
          ).unref(),
        ),
      ]),
  };
}

async function busyMeeting(server: TestServer) {
  const meeting = await runningMeeting(server, { subject: 'CLI test meeting' });
  const id = meeting.conferenceID;
  const run = (command: Parameters<typeof server.node.engine.execute>[1]) =>
    server.node.engine.execute(id, command);
  await run({ type: 'join', site: { pid: 'p-alice', name: 'Alice', tel: '+8610000001', role: 1 } });
  await run({ type: 'join', site: { pid: 'p-bob', name: 'Bob', tel: '+8610000002' } });
  await run({ type: 'join', site: { pid: 'p-carol', name: 'Carol', tel: '+8610000003', role: 2 } });
  await run({ type: 'join', site: { pid: 'p-dave', name: 'Dave', tel: '+8610000004' } });
  await run({
    type: 'join',
    site: { pid: 'p-wendy', name: 'Wendy', tel: '+8610000005', viaWaitingRoom: true },
  });
  await run({ type: 'mute', pid: 'p-bob', mute: true });
  await run({ type: 'hands', pids: ['p-bob'], raised: true });
  await run({ type: 'share', pid: 'p-alice', sharing: true });
  await run({ type: 'setCohost', pid: 'p-dave', cohost: true });
  await run({
    type: 'netQuality',
    reports: [
      { pid: 'p-alice', delay: 20 },
      { pid: 'p-bob', lostPacketRate: 2000 },
    ],
  });
  await run({
    type: 'speakers',
    volumes: [
      { pid: 'p-alice', volume: 80 },
      { pid: 'p-bob', volume: 30 },
    ],
  });
  await run({ type: 'join', site: { pid: 'p-eve', name: 'Eve', tel: '+8610000006' } });
  await run({ type: 'leave', pid: 'p-eve', reason: 11076010 });
  await run({ type: 'lock', locked: true });
  await run({ type: 'subtitles', on: true });
  await run({
    type: 'caption',
    caption: { pid: 'p-alice', text: 'Welcome to the CLI test', lang: 'English' },
  });
  return meeting;
}

// Each test starts Node with tsx a few times: generous bounds for a loaded machine.
describe('confpush watch (child process)', { timeout: 60_000 }, () => {
  it('--once prints the synced meeting, without ANSI codes when stdout is not a TTY, and exits 0', async () => {
    const server = await startTestServer();
    const meeting = await busyMeeting(server);
    const cli = runCli(
      ['watch', meeting.conferenceID, '--url', server.url, '--password', meeting.chairPwd, '--once'],
      { COLUMNS: '140' },
    );
    expect(await cli.exited()).toBe(0);
    const out = cli.stdout();
    expect(out).not.toContain(ESC);
    const lines = out.trimEnd().split('\n');
    expect(lines[0]).toBe('CLI test meeting');
    expect(lines[1]).toMatch(
      new RegExp(`^conferenceID ${meeting.conferenceID} · in progress · duration \\d+:\\d\\d$`),
    );
    expect(lines[2]).toBe('lock on  mute-all off  recording off  captions on');
    expect(lines[3]).toBe('connection live · reconnects 0 · resumes 0 · rebuilds 0');
    expect(out).toContain('PARTICIPANTS (4)');
    expect(rowOf(lines, 'Alice')).toBe('Alice|+8610000001|host|in meeting|on|-|yes|on|good');
    expect(rowOf(lines, 'Dave')).toBe('Dave|+8610000004|co-host|in meeting|on|-|-|on|-');
    expect(rowOf(lines, 'Bob')).toBe('Bob|+8610000002|participant|in meeting|muted|up|-|on|bad');
    expect(rowOf(lines, 'Carol')).toMatch(/^Carol\|\+8610000003\|audience\|in meeting\|/);
    expect(out).toMatch(/SPEAKERS\nAlice █+░+ {2}80\nBob {3}█+░+ {2}30\n/);
    expect(out).toContain('WAITING ROOM (1)\nWendy +8610000005');
    expect(out).toContain(
      'INVITATION RESULTS\n+8610000006  11076010  left: The site hung up or left by itself',
    );
    expect(out).toContain('CAPTIONS\nAlice: Welcome to the CLI test');
  });

  it('exits 1 with the REST error for a wrong password, and 2 on bad usage', async () => {
    const server = await startTestServer();
    const meeting = await runningMeeting(server);
    const wrong = runCli([
      'watch',
      meeting.conferenceID,
      '--url',
      server.url,
      '--password',
      '000000',
      '--once',
    ]);
    const usage = runCli(['watch', meeting.conferenceID, '--password', 'x', '--categories', 'nonsense']);
    const noPassword = runCli(['tail', meeting.conferenceID, '--url', server.url]);
    expect(await wrong.exited()).toBe(1);
    expect(wrong.stderr()).toContain('error_code MMC.111072065');
    expect(wrong.stdout()).toBe('');
    expect(await usage.exited()).toBe(2);
    expect(usage.stderr()).toContain('unknown category "nonsense"');
    expect(await noPassword.exited()).toBe(2);
    expect(noPassword.stderr()).toContain("required option '--password <password>' not specified");
  });

  it('takes the URL and the password from the environment', async () => {
    const server = await startTestServer();
    const meeting = await runningMeeting(server, { subject: 'env meeting' });
    const cli = runCli(['watch', meeting.conferenceID, '--once'], {
      CONFPUSH_URL: server.url,
      CONFPUSH_HOST_PASSWORD: meeting.chairPwd,
    });
    expect(await cli.exited()).toBe(0);
    expect(cli.stdout().split('\n')[0]).toBe('env meeting');
  });
});

// Each test starts Node with tsx a few times: generous bounds for a loaded machine.
describe('confpush tail (child process)', { timeout: 60_000 }, () => {
  it('prints the reply and every frame as JSON lines, follows changes, and exits 0 when the meeting ends', async () => {
    const server = await startTestServer();
    const meeting = await runningMeeting(server);
    const id = meeting.conferenceID;
    const cli = runCli(['tail', id, '--url', server.url, '--password', meeting.chairPwd]);
    const frames = () => cli.lines.map((line) => JSON.parse(line) as Record<string, unknown>);

    const fulls = await eventually(() => {
      const full = frames().filter((f) => f['msgMode'] === 0);
      return full.length === 10 ? full : undefined;
    }, 15_000);
    const reply = frames()[0]!;
    expect(reply['action']).toBe('Subscribe');
    expect(reply['data']).toMatchObject({ returnCode: 0 });
    expect(new Set(fulls.map((f) => f['action'])).size).toBe(10);
    // stderr is another pipe: its line may come after the frames
    await eventually(() => (cli.stderr().includes(`live: meeting ${id}`) ? true : undefined));

    await server.node.engine.execute(id, {
      type: 'join',
      site: { pid: 'p-tail', name: 'Tailor', tel: '+861' },
    });
    const joined = await eventually(() =>
      frames().find(
        (f) =>
          f['action'] === 'ParticipantsNotify' &&
          f['msgMode'] === 1 &&
          JSON.stringify(f['data']).includes('p-tail'),
      ),
    );
    expect(joined['version']).toBe(1);

    const conf = await confToken(server, id, meeting.chairPwd);
    const stop = await http(server, 'PUT', `/v1/mmc/control/conferences/stop?conferenceID=${id}`, {
      headers: { 'X-Conference-Authorization': conf.token },
    });
    expect(stop.status).toBe(200);
    expect(await cli.exited()).toBe(0);
    expect(cli.stderr()).toContain(`meeting ${id} ended`);
    const last = frames()
      .filter((f) => f['action'] === 'ConfDynamicInfoNotify')
      .at(-1)!;
    expect(JSON.stringify(last)).toContain('Destroyed');
    // every line is one compact JSON object
    for (const line of cli.lines) expect(line.startsWith('{') && line.endsWith('}')).toBe(true);
  });

  it('subscribes to the categories asked for', async () => {
    const server = await startTestServer();
    const meeting = await runningMeeting(server);
    const cli = runCli([
      'tail',
      meeting.conferenceID,
      '--url',
      server.url,
      '--password',
      meeting.chairPwd,
      '--categories',
      'participants,confdynamicinfo',
    ]);
    await eventually(() => (cli.lines.length >= 3 ? true : undefined), 15_000);
    const actions = cli.lines.slice(0, 3).map((line) => (JSON.parse(line) as { action: string }).action);
    expect(actions[0]).toBe('Subscribe');
    expect(new Set(actions.slice(1))).toEqual(new Set(['ParticipantsNotify', 'ConfDynamicInfoNotify']));
    cli.child.kill('SIGINT');
    expect(await cli.exited()).toBe(0);
  });
});
