/**
 * Graceful shutdown and readiness: `close()` stops being ready first, closes every push socket with
 * SERVER_SHUTDOWN (4102), finishes the commits in flight and closes the store, so that a node started again on the
 * same data directory has every change that was acknowledged (or accepted) before the close. A connection that never
 * carried a request (a browser's preconnect, a pool's spare socket) does not hold the close up.
 */
import { connect as tcpConnect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { CLOSE_CODES } from '@confpush/protocol';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { hex32 } from '../src/ids.js';
import { ConfpushNode } from '../src/node.js';
import { http, openPush, runningMeeting } from './chain.js';
import { tempDir, type TestServer } from './helpers.js';
import { selfSigned } from './support/certificate.js';
import { testConfig, testLogger } from './support/config.js';

const running = new Set<ConfpushNode>();

afterEach(async () => {
  for (const node of running) await node.close();
  running.clear();
});

const credential = { appId: hex32(), appKey: hex32() };

/** A node on `dataDir`, always with the same app credential (so a restarted node accepts the same tokens). */
async function startNode(dataDir: string): Promise<TestServer> {
  const config = testConfig(dataDir, { ...credential, syncMode: 'full' });
  const node = await ConfpushNode.start({ config, logger: testLogger() });
  running.add(node);
  return { node, url: node.url, ...credential, corpId: config.corpId, dataDir };
}

async function stop(server: TestServer): Promise<void> {
  running.delete(server.node);
  await server.node.close();
}

function attendeePhones(server: TestServer, confId: string): Promise<string[]> {
  return server.node.engine
    .load(confId)
    .then((runtime) =>
      [...runtime!.committed.streams.AttendeesNotify.items.values()]
        .map((item) => String(item['phone']))
        .sort(),
    );
}

/** Resolves when the server ends the connection (it sends nothing before). */
function ended(socket: Socket): Promise<void> {
  return new Promise((resolve) => socket.once('close', () => resolve()));
}

describe('graceful shutdown', () => {
  // Node's server.close() leaves such a connection open until its peer goes away; without the node closing it,
  // close() never resolves and this test times out.
  it('closes connections that never carried a request (HTTP and TLS) instead of waiting for them', async () => {
    const plain = await startNode(tempDir());
    const { cert, key, ca } = selfSigned();
    const config = testConfig(tempDir(), { ...credential, tlsCert: cert, tlsKey: key });
    const secure = await ConfpushNode.start({ config, logger: testLogger() });
    running.add(secure);
    // A keep-alive connection that has served a request, next to one that never sent anything.
    expect((await fetch(`${plain.url}/healthz`)).status).toBe(200);
    const plainPort = Number(new URL(plain.url).port);
    const silent = tcpConnect(plainPort, '127.0.0.1');
    await new Promise((resolve) => silent.once('connect', resolve));
    const securePort = Number(new URL(secure.url).port);
    const silentTls = tlsConnect({ port: securePort, host: '127.0.0.1', ca });
    await new Promise((resolve) => silentTls.once('secureConnect', resolve));
    // And one that has not even begun its TLS handshake.
    const silentTcp = tcpConnect(securePort, '127.0.0.1');
    await new Promise((resolve) => silentTcp.once('connect', resolve));
    const closed = [ended(silent), ended(silentTls), ended(silentTcp)];

    await stop(plain);
    running.delete(secure);
    await secure.close();
    await Promise.all(closed);
  });

  it('closes every connected subscriber with SERVER_SHUTDOWN (4102)', async () => {
    const server = await startNode(tempDir());
    const meeting = await runningMeeting(server);
    const { client, conf } = await openPush(server, meeting.conferenceID, meeting.chairPwd);
    client.subscribe(conf.token, ['AttendeesNotify']);
    await client.nextAction('AttendeesNotify');
    const idle = await openPush(server, meeting.conferenceID, meeting.chairPwd);

    await stop(server);
    for (const c of [client, idle.client]) {
      expect(await c.closed()).toEqual({
        code: CLOSE_CODES.SERVER_SHUTDOWN.code,
        reason: CLOSE_CODES.SERVER_SHUTDOWN.reason,
      });
    }
    expect(server.node.gateway.sessions.size).toBe(0);
  });

  it('keeps a change acknowledged just before close, and drains a change in flight, across a restart', async () => {
    const dataDir = tempDir();
    const first = await startNode(dataDir);
    const meeting = await runningMeeting(first, { attendees: [{ name: 'A', phone: '+100' }] });
    const { conf } = await openPush(first, meeting.conferenceID, meeting.chairPwd);
    const acknowledged = await http(
      first,
      'POST',
      `/v1/mmc/control/conferences/participants?conferenceID=${meeting.conferenceID}`,
      {
        headers: { 'X-Conference-Authorization': conf.token },
        body: { attendees: [{ name: 'B', phone: '+200', type: 'normal' }] },
      },
    );
    expect(acknowledged.status).toBe(200);
    // Accepted by the engine but not yet committed when close() begins: the engine drains it before the store
    // closes, so the caller is answered and the change is durable.
    const inFlight = first.node.engine.execute(meeting.conferenceID, {
      type: 'addAttendees',
      attendees: [{ name: 'C', phone: '+300' }],
    });
    await stop(first);
    await expect(inFlight).resolves.toBeDefined();

    const second = await startNode(dataDir);
    expect(await attendeePhones(second, meeting.conferenceID)).toEqual(['+100', '+200', '+300']);
    // The control token survived too, and the stream continues where it was (two changes since creation).
    const { client } = await openPush(second, meeting.conferenceID, meeting.chairPwd);
    client.subscribe(conf.token, ['AttendeesNotify']);
    const reply = (await client.nextAction('Subscribe')).data as {
      returnCode: number;
      streams: { AttendeesNotify: { seq: number } };
    };
    expect(reply.returnCode).toBe(0);
    expect(reply.streams.AttendeesNotify.seq).toBe(2);
    client.close();
  });
});

describe('readiness', () => {
  it('answers /readyz 200 while serving and 503 MMC.111000503 once shutdown begins; /healthz is liveness', async () => {
    const server = await startNode(tempDir());
    expect(server.node.ready).toBe(true);
    expect(await http(server, 'GET', '/readyz')).toMatchObject({ status: 200, body: { status: 'ready' } });
    expect(await http(server, 'GET', '/healthz')).toMatchObject({ status: 200, body: { status: 'ok' } });

    // Hold the shutdown at its first step (closing the push sockets) while the node still answers HTTP.
    const gateway = server.node.gateway;
    const closeGateway = gateway.close.bind(gateway);
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => (release = resolve));
    let holding = false;
    vi.spyOn(gateway, 'close').mockImplementation(async (timeoutMs?: number) => {
      holding = true;
      await held;
      return closeGateway(timeoutMs);
    });
    const closing = stop(server);
    expect(server.node.ready).toBe(false);
    await vi.waitFor(() => expect(holding).toBe(true));
    expect(await http(server, 'GET', '/readyz')).toEqual(
      expect.objectContaining({
        status: 503,
        body: { error_code: 'MMC.111000503', error_msg: 'SERVICE_UNAVAILABLE' },
      }),
    );
    expect((await http(server, 'GET', '/healthz')).status).toBe(200);
    release();
    await closing;
  });
});
