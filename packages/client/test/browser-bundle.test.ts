/**
 * The browser build (`scripts/build-browser.mjs`, esbuild): one ES module with no Node-only references, importable
 * where the only WebSocket is the global one, and a build that fails when the browser path imports a Node module.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type * as Sdk from '../src/index.js';
import { waitFor } from './support/wait.js';

const run = promisify(execFile);
const SCRIPT = join(dirname(fileURLToPath(import.meta.url)), '..', 'scripts', 'build-browser.mjs');

function build(args: string[]) {
  return run(process.execPath, [SCRIPT, ...args], { timeout: 60_000 });
}

/** A WebSocket as a browser has it, reduced to what the SDK uses; it answers like a Huawei-style server. */
class FakeWebSocket {
  static readonly opened: FakeWebSocket[] = [];
  readyState = 0;
  readonly sent: Record<string, unknown>[] = [];
  onopen: ((event: unknown) => void) | null = null;
  onmessage: ((event: { data: unknown }) => void) | null = null;
  onclose: ((event: { code: number; reason: string }) => void) | null = null;
  onerror: ((event: unknown) => void) | null = null;

  constructor(readonly url: string) {
    FakeWebSocket.opened.push(this);
    setTimeout(() => {
      this.readyState = 1;
      this.onopen?.({});
    }, 0);
  }

  send(text: string): void {
    const frame = JSON.parse(text) as Record<string, unknown>;
    this.sent.push(frame);
    if (frame['action'] !== 'Subscribe') return;
    const reply = {
      action: 'Subscribe',
      sequence: frame['sequence'],
      data: { returnCode: 0, returnDesc: 'SUCCESS' },
    };
    const participants = {
      data: [{ pid: 'p1', mode: 0, pinfoMap: { NAME: 'Ada', MUTE: '1' } }],
      confID: '900487914',
      msgID: '0'.repeat(32),
      msgMode: 0,
      version: 1_700_000_000_000,
      createTime: 1_700_000_000_000,
      action: 'ParticipantsNotify',
    };
    setTimeout(() => {
      this.onmessage?.({ data: JSON.stringify(reply) });
      this.onmessage?.({ data: JSON.stringify(participants) });
    }, 0);
  }

  close(code = 1000, reason = ''): void {
    if (this.readyState >= 2) return;
    this.readyState = 3;
    setTimeout(() => this.onclose?.({ code, reason }), 0);
  }
}

/** The token chain of a meeting service, answered in memory. */
const fakeFetch: typeof fetch = async (input) => {
  const url = String(input instanceof Request ? input.url : input);
  const body = url.includes('/conferences/token')
    ? { data: { token: 'ctl-1', wsURL: 'wss://meeting.invalid', expireTime: Date.now() + 1_800_000 } }
    : url.includes('/conferences/wsToken')
      ? { webSocketToken: 'ws-1' }
      : undefined;
  return new Response(JSON.stringify(body ?? { error_code: 'NOT_FOUND' }), {
    status: body ? 200 : 404,
    headers: { 'content-type': 'application/json' },
  });
};

describe('browser bundle', () => {
  let dir: string;
  let file: string;
  let text: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'confpush-browser-'));
    file = join(dir, 'confpush-client.browser.js');
    await build(['--outfile', file]);
    text = readFileSync(file, 'utf8');
  }, 90_000);

  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('has no reference that would break in a browser', () => {
    expect(text.length).toBeGreaterThan(10_000);
    expect(text).not.toMatch(/\brequire\(/);
    expect(text).not.toMatch(/["'`]node:/);
    expect(text).not.toMatch(/\bprocess\./);
    expect(text).not.toMatch(/\b__dirname\b|\b__filename\b/);
    expect(text).not.toMatch(/\bBuffer\./);
    // Self-contained: no static import at all (the protocol package is bundled in, `ws` is never imported).
    expect(text).not.toMatch(/^\s*import\s[^(]/m);
    expect(text).not.toMatch(/^\s*export\s[^;]*\sfrom\s/m);
    expect(text).not.toMatch(/from\s*["']ws["']/);
  });

  it('imports in plain Node as an ES module (no bundler, no loader)', async () => {
    const probe = [
      'globalThis.WebSocket = class {};',
      `const sdk = await import(${JSON.stringify(pathToFileURL(file).href)});`,
      'process.stdout.write(JSON.stringify(Object.keys(sdk).sort()));',
    ].join('\n');
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', probe], { timeout: 30_000 });
    const names = JSON.parse(stdout) as string[];
    expect(names).toEqual(
      expect.arrayContaining(['ConfpushClient', 'MeetingReplica', 'PushConnection', 'defaultOptions']),
    );
  }, 60_000);

  it('is an ES module that runs with only a global WebSocket, and exports the SDK', async () => {
    const saved = (globalThis as { WebSocket?: unknown }).WebSocket;
    (globalThis as { WebSocket?: unknown }).WebSocket = FakeWebSocket;
    try {
      const sdk = (await import(pathToFileURL(file).href)) as typeof Sdk;
      for (const name of [
        'ConfpushClient',
        'MeetingSession',
        'PushConnection',
        'MeetingReplica',
        'RestClient',
      ]) {
        expect(typeof (sdk as Record<string, unknown>)[name], name).toBe('function');
      }
      expect(Object.isFrozen(sdk.defaultOptions)).toBe(true);

      const client = new sdk.ConfpushClient({ baseUrl: 'https://meeting.invalid', fetch: fakeFetch });
      const meeting = await client.join({ conferenceID: '900487914', hostPassword: '123456' });
      try {
        expect(FakeWebSocket.opened.map((s) => s.url)).toEqual([
          'wss://meeting.invalid/cms/open/websocket/confctl/increment/conn?confID=900487914&tmpToken=ws-1',
        ]);
        await waitFor(() => meeting.participants.size > 0, 'the participants of the full message');
        expect(meeting.participants.get('p1')).toMatchObject({ name: 'Ada', muted: true });
      } finally {
        meeting.close();
      }
    } finally {
      (globalThis as { WebSocket?: unknown }).WebSocket = saved;
    }
  });

  it('refuses to build when the browser path imports a Node module', async () => {
    const entry = join(dir, 'uses-node.ts');
    writeFileSync(
      entry,
      "import { readFileSync } from 'node:fs';\nimport os from 'os';\nexport const x = [readFileSync, os];\n",
    );
    const failed = await build(['--entry', entry, '--outfile', join(dir, 'never.js')]).then(
      () => undefined,
      (error: { code?: number; stderr?: string }) => error,
    );
    expect(failed?.code).toBe(1);
    expect(failed?.stderr).toMatch(/"node:fs" is a Node module, imported by/);
    expect(failed?.stderr).toMatch(/"os" is a Node module/);
  }, 60_000);
});
