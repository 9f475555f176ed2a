/**
 * The sources seam (src/sources/source.ts): a source written here, in the test, and handed to the node through its
 * `sources` option — nothing else in the server knows it — adds routes, feeds a meeting through the port (the
 * participant reaches a real push socket), observes committed changes, takes part in `/readyz` and is stopped
 * with the node.
 */
import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import { describe, expect, it } from 'vitest';
import type { CommittedChange } from '../src/engine/engine.js';
import type { MeetingRuntime } from '../src/engine/runtime.js';
import { ConfpushNode } from '../src/node.js';
import type { Source, SourceHealth, SourcePort } from '../src/sources/source.js';
import { http, openPush, runningMeeting } from './chain.js';
import { startTestServer, tempDir } from './helpers.js';
import { testConfig, testLogger } from './support/config.js';

/** A tiny SFU-like source: peers join and leave over its own HTTP routes. */
class TestSfu implements Source {
  readonly name = 'test-sfu';
  port: SourcePort | undefined;
  readonly seen: { confId: string; categories: string[] }[] = [];
  healthy = true;
  stopped = false;
  #stopObserving: (() => void) | undefined;

  readonly routes: FastifyPluginAsync = async (app) => {
    app.post(
      '/test-sfu/rooms/:room/peers/:peer',
      { schema: { params: Type.Object({ room: Type.String(), peer: Type.String() }) } },
      async (request) => {
        const { room, peer } = request.params as { room: string; peer: string };
        await this.port!.execute(room, { type: 'join', site: { pid: peer, name: `peer ${peer}` } });
        return { joined: peer };
      },
    );
    app.delete('/test-sfu/rooms/:room/peers/:peer', async (request) => {
      const { room, peer } = request.params as { room: string; peer: string };
      await this.port!.execute(room, { type: 'leave', pid: peer, reason: 0 });
      return { left: peer };
    });
  };

  async start(port: SourcePort): Promise<void> {
    this.port = port;
    this.#stopObserving = port.observe({
      onCommitted: (runtime: MeetingRuntime, changes: readonly CommittedChange[]) => {
        this.seen.push({ confId: runtime.confId, categories: changes.map((c) => c.category) });
      },
    });
  }

  health(): SourceHealth {
    return this.healthy
      ? { ready: true, detail: { peers: 'ok' } }
      : { ready: false, reason: 'no SFU answers', detail: { peers: 'none' } };
  }

  async stop(): Promise<void> {
    this.#stopObserving?.();
    this.stopped = true;
  }
}

describe('a source added through the node option only', () => {
  it('feeds a meeting through the port: the push socket sees its participant join and leave', async () => {
    const sfus: TestSfu[] = [];
    const server = await startTestServer({ sources: () => [sfus[sfus.push(new TestSfu()) - 1]!] });
    const meeting = await runningMeeting(server);
    const { client, conf } = await openPush(server, meeting.conferenceID, meeting.chairPwd);
    client.subscribe(conf.token, ['ParticipantsNotify']);
    await client.nextAction('Subscribe');
    await client.next((f) => f.action === 'ParticipantsNotify');

    const joined = await http(server, 'POST', `/test-sfu/rooms/${meeting.conferenceID}/peers/4401`);
    expect(joined.status).toBe(200);
    const join = await client.next(
      (f) => f.action === 'ParticipantsNotify' && JSON.stringify(f.data).includes('peer 4401'),
    );
    expect(JSON.stringify(join.data)).toContain('"4401"');

    const left = await http(server, 'DELETE', `/test-sfu/rooms/${meeting.conferenceID}/peers/4401`);
    expect(left.status).toBe(200);
    const leave = await client.next((f) => f.action === 'ParticipantsNotify');
    expect(JSON.stringify(leave.data)).toContain('"4401"');
    client.close();

    // The source observed the commits it caused (in a cluster: the node that executed them; other nodes see
    // a meeting's changes only while they serve it).
    const observed = sfus.flatMap((sfu) => sfu.seen).filter((s) => s.confId === meeting.conferenceID);
    expect(observed.some((s) => s.categories.includes('ParticipantsNotify'))).toBe(true);
  });

  it('refuses a command on a meeting that does not exist with a DomainError, changing nothing', async () => {
    const server = await startTestServer({ sources: () => [new TestSfu()] });
    const res = await http(server, 'POST', '/test-sfu/rooms/999999999/peers/1');
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ error_code: 'MMC.111070005' });
  });

  it('takes part in /readyz and is stopped with the node', async () => {
    const sfu = new TestSfu();
    const node = await ConfpushNode.start({
      config: testConfig(tempDir()),
      logger: testLogger(),
      sources: [sfu],
    });
    try {
      expect((await fetch(`${node.url}/readyz`)).status).toBe(200);
      sfu.healthy = false;
      const notReady = await fetch(`${node.url}/readyz`);
      expect(notReady.status).toBe(503);
      expect(await notReady.json()).toEqual({
        error_code: 'MMC.111000503',
        error_msg: `SERVICE_UNAVAILABLE: ${sfu.name}: no SFU answers`,
      });
      sfu.healthy = true;
    } finally {
      await node.close();
    }
    expect(sfu.stopped).toBe(true);
  });
});
