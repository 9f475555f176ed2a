/**
 * TLS (issue 7): with `tlsCert`/`tlsKey` (CONFPUSH_TLS_CERT / CONFPUSH_TLS_KEY) a node serves HTTPS and WSS itself
 * — the official Huawei SDKs call the authentication endpoint over https only — and `wsURL` follows the scheme.
 * The certificate is made at test time with openssl, for 127.0.0.1, and the clients verify it against it.
 */
import { request } from 'node:https';
import { describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { signedAppAuth } from './chain.js';
import { startTestServer, tempDir, type TestServer } from './helpers.js';
import { spawnServer } from './process.js';
import { selfSigned } from './support/certificate.js';

function https(
  server: TestServer,
  ca: Buffer,
  method: string,
  path: string,
  headers: Record<string, string> = {},
  body?: unknown,
): Promise<{ status: number; body: unknown }> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const req = request(
      `${server.url}${path}`,
      {
        method,
        ca,
        headers: { ...headers, ...(payload ? { 'content-type': 'application/json' } : {}) },
      },
      (res) => {
        let text = '';
        res.on('data', (d: Buffer) => (text += d.toString()));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, body: text ? (JSON.parse(text) as unknown) : undefined }),
        );
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

describe('TLS', () => {
  it('serves the token chain over HTTPS and the push socket over WSS, wsURL following the scheme', async () => {
    const { cert, key, ca } = selfSigned();
    const server = await startTestServer({ config: { tlsCert: cert, tlsKey: key } });
    expect(server.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);

    // App ID authentication over https, verified against the certificate.
    const signed = signedAppAuth(server);
    const auth = await https(server, ca, 'POST', '/v2/usg/acs/auth/appauth', signed.headers, signed.body);
    expect(auth.status).toBe(200);
    const accessToken = (auth.body as { accessToken: string }).accessToken;

    const created = await https(
      server,
      ca,
      'POST',
      '/v1/mmc/management/conferences',
      { 'X-Access-Token': accessToken },
      { mediaTypes: 'HDVideo', subject: 'tls', attendees: [{ name: 'Alice', phone: '+8610000001' }] },
    );
    expect(created.status).toBe(200);
    const info = (created.body as Record<string, unknown>[])[0]!;
    const conferenceID = info['conferenceID'] as string;
    const chair = (info['passwordEntry'] as { conferenceRole: string; password: string }[]).find(
      (p) => p.conferenceRole === 'chair',
    )!.password;

    const conf = await https(
      server,
      ca,
      'GET',
      `/v1/mmc/control/conferences/token?conferenceID=${conferenceID}`,
      {
        'X-Password': chair,
        'X-Login-Type': '1',
      },
    );
    expect(conf.status).toBe(200);
    const data = (conf.body as { data: { token: string; tmpWsToken: string; wsURL: string } }).data;
    // wsURL is the public URL of the node that answered, with https → wss (in cluster runs, any of the nodes).
    expect(data.wsURL).toMatch(/^wss:\/\/127\.0\.0\.1:\d+$/);

    // The push socket over wss: Subscribe, its reply, and a full message.
    const ws = new WebSocket(
      `${data.wsURL}/cms/open/websocket/confctl/increment/conn?confID=${conferenceID}&tmpToken=${data.tmpWsToken}`,
      { ca },
    );
    const frames: Record<string, unknown>[] = [];
    const full = new Promise<Record<string, unknown>>((resolve, reject) => {
      ws.on('message', (d: Buffer) => {
        const frame = JSON.parse(d.toString()) as Record<string, unknown>;
        frames.push(frame);
        if (frame['action'] === 'AttendeesNotify') resolve(frame);
      });
      ws.on('error', reject);
      ws.on('close', (code) => reject(new Error(`closed ${code}`)));
    });
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    ws.send(
      JSON.stringify({
        sequence: '1',
        action: 'Subscribe',
        data: JSON.stringify({ subscribeType: ['AttendeesNotify'], confToken: data.token }),
      }),
    );
    const message = await full;
    expect(frames[0]).toMatchObject({ action: 'Subscribe', data: { returnCode: 0 } });
    expect(message).toMatchObject({ msgMode: 0, confID: conferenceID });
    expect((message['data'] as { name: string }[]).map((a) => a.name)).toEqual(['Alice']);
    ws.close();

    // Plain HTTP is not served on the TLS port.
    await expect(fetch(server.url.replace(/^https/, 'http') + '/healthz')).rejects.toThrow();
  });

  it('is configured by CONFPUSH_TLS_CERT and CONFPUSH_TLS_KEY for `confpush serve`', async () => {
    const { cert, key, ca } = selfSigned();
    const proc = await spawnServer(['--port', '0', '--host', '127.0.0.1', '--data-dir', tempDir(), '--dev'], {
      CONFPUSH_TLS_CERT: cert,
      CONFPUSH_TLS_KEY: key,
    });
    expect(proc.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const health = await https({ url: proc.url } as TestServer, ca, 'GET', '/healthz');
    expect(health).toEqual({ status: 200, body: { status: 'ok' } });
    await proc.kill('SIGTERM');
  }, 30_000);
});
