/**
 * The demo meeting of `serve --dev --demo` (`npm start`, issue 12 "Start-up"): it drives its own node, so it works
 * when the node serves HTTPS/WSS with a self-signed certificate; and a demo that cannot start never stops the
 * server, which keeps serving without it. Both run the real `confpush serve` command.
 */
import { rmSync } from 'node:fs';
import { request } from 'node:https';
import { join } from 'node:path';
import { ConfpushClient, type WebSocketConstructor } from '@confpush/client';
import { describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { tempDir } from './helpers.js';
import { spawnServer, type ServerProcess } from './process.js';
import { selfSigned } from './support/certificate.js';

/** A `fetch` over node:https that trusts `ca` (the test's client of the node, as a user would configure one). */
function fetchTrusting(ca: Buffer): typeof fetch {
  return async (input, init) => {
    const req = new Request(input, init);
    const body = req.body ? Buffer.from(await req.arrayBuffer()) : undefined;
    const headers: Record<string, string> = {};
    req.headers.forEach((value, name) => (headers[name] = value));
    return new Promise<Response>((resolve, reject) => {
      const out = request(req.url, { method: req.method, headers, ca }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (d: Buffer) => chunks.push(d));
        res.on('end', () => {
          const answer = new Headers();
          for (const [name, value] of Object.entries(res.headers))
            for (const v of [value ?? []].flat()) answer.append(name, v);
          resolve(
            new Response(new Uint8Array(Buffer.concat(chunks)), {
              status: res.statusCode ?? 0,
              headers: answer,
            }),
          );
        });
      });
      out.on('error', reject);
      out.end(body);
    });
  };
}

function webSocketTrusting(ca: Buffer): WebSocketConstructor {
  return class TrustingWebSocket extends WebSocket {
    constructor(url: string) {
      super(url, { ca });
    }
  };
}

/** Resolves with the first match of `pattern` in the process output (waits on its output events). */
function outputMatch(proc: ServerProcess, pattern: RegExp): Promise<RegExpExecArray> {
  return new Promise((resolve, reject) => {
    const check = () => {
      const m = pattern.exec(proc.output());
      if (!m) return false;
      proc.child.stdout?.off('data', check);
      proc.child.stderr?.off('data', check);
      resolve(m);
      return true;
    };
    if (check()) return;
    proc.child.stdout?.on('data', check);
    proc.child.stderr?.on('data', check);
    proc.child.once('exit', (code) => reject(new Error(`server exited with ${code}:\n${proc.output()}`)));
  });
}

describe('the demo meeting', () => {
  it('runs over HTTPS/WSS with a self-signed certificate, and the chain works against it', async () => {
    const { cert, key, ca } = selfSigned();
    const proc = await spawnServer(
      ['--port', '0', '--host', '127.0.0.1', '--data-dir', tempDir(), '--dev', '--demo'],
      { CONFPUSH_TLS_CERT: cert, CONFPUSH_TLS_KEY: key },
    );
    expect(proc.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const [, conferenceID, hostPassword] = await outputMatch(
      proc,
      /demo meeting\s+"confpush demo" conferenceID=(\d+) hostPassword=(\d+)/,
    );

    // A client of the node, trusting its certificate: token chain over https, push socket over wss.
    const client = new ConfpushClient({
      baseUrl: proc.url,
      fetch: fetchTrusting(ca),
      WebSocket: webSocketTrusting(ca),
    });
    const session = client.createSession({
      conferenceID: conferenceID!,
      hostPassword: hostPassword!,
      categories: ['ConfBasicInfoNotify', 'ParticipantsNotify'],
    });
    // The demo keeps the meeting busy: sites join over its own (pinned) push socket and HTTP calls.
    const joined = new Promise<void>((resolve) => session.on('participantJoined', () => resolve()));
    await session.start();
    expect(session.basicInfo?.title).toBe('confpush demo');
    await joined;
    expect(session.participants.size).toBeGreaterThan(0);
    session.close();
    await proc.kill('SIGTERM');
  }, 60_000);

  it('that cannot start is logged with the reason, and the server keeps serving', async () => {
    const dataDir = tempDir();
    const args = ['--port', '0', '--host', '127.0.0.1', '--data-dir', dataDir, '--dev'];
    // A first run leaves its demo meeting in progress; the node then forgets it was the demo's, and its
    // enterprise may have only one meeting open: the demo cannot create a new one.
    const first = await spawnServer([...args, '--demo']);
    await outputMatch(first, /demo meeting\s+"confpush demo" conferenceID=/);
    await first.kill('SIGTERM');
    rmSync(join(dataDir, 'demo-meeting.json'));

    const second = await spawnServer([...args, '--demo', '--meetings-per-enterprise', '1']);
    await outputMatch(second, /the demo meeting could not start; serving without it/);
    // The reason: the node refused the meeting (the quota's error code).
    expect(second.output()).toMatch(/MMC\.111070020/);
    const health = await fetch(`${second.url}/healthz`);
    expect(health.status).toBe(200);
    expect(second.child.exitCode).toBeNull();
    await second.kill('SIGTERM');
  }, 60_000);
});
