/**
 * The relay's health (docs/relay.md, "Failure behaviour"): an App ID credential the upstream refuses — wrong from
 * the start, or revoked while meetings are followed — gives one clear log line, `/readyz` 503 and the reason in
 * the status endpoint, never a crash loop; followed meetings stay mirrored; a credential accepted again makes the
 * node ready again. A relay stops at once even when the upstream stopped answering.
 */
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { hex32 } from '../src/ids.js';
import { runningMeeting } from './chain.js';
import { eventually } from './helpers.js';
import { committedStreams, startProxy, startRelay, startUpstream } from './support/relay-pair.js';

function capturedLogger() {
  const lines: { level: number; msg: string }[] = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line)) });
  return {
    logger,
    relayErrors: () => lines.filter((l) => l.level >= 50 && l.msg.startsWith('relay:')),
    lines,
  };
}

async function status(url: string) {
  return (await (await fetch(`${url}/confpush/v1/relay/status`)).json()) as {
    authenticated: boolean;
    problem: string | null;
    meetings: { conferenceID: string; state: string }[];
  };
}

describe('relay health', () => {
  it('refuses to be ready with a wrong upstream credential: one log line, no crash loop', async () => {
    const proxy = await startProxy();
    const upstream = await startUpstream(proxy);
    await runningMeeting(upstream);
    const log = capturedLogger();
    const { server, relay } = await startRelay(
      proxy,
      { appId: upstream.appId, appKey: hex32() },
      {},
      log.logger,
    );
    for (let i = 0; i < 3; i++) await relay.pollNow();
    const ready = await fetch(`${server.url}/readyz`);
    expect(ready.status).toBe(503);
    // The body names the source and why (docs/rest-api.md, "Operations").
    expect(await ready.json()).toEqual({
      error_code: 'MMC.111000503',
      error_msg: expect.stringMatching(
        /^SERVICE_UNAVAILABLE: upstream: upstream refused the App ID credential: 401 USG\.201040001 /,
      ) as unknown,
    });
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    const report = await status(server.url);
    expect(report.authenticated).toBe(false);
    expect(report.problem).toMatch(/App ID credential/);
    expect(report.meetings).toEqual([]);
    expect(log.relayErrors()).toHaveLength(1);
    expect(log.relayErrors()[0]!.msg).toMatch(/CONFPUSH_UPSTREAM_APP_ID/);
  });

  it('keeps mirroring while the credential is revoked, not ready until it is accepted again', async () => {
    const proxy = await startProxy();
    const upstream = await startUpstream(proxy, { accessTokenTtlMs: 1000 });
    const meeting = await runningMeeting(upstream);
    const log = capturedLogger();
    const { server, relay } = await startRelay(proxy, upstream, {}, log.logger);
    await eventually(() => relay.follower(meeting.conferenceID)?.state === 'live', 10_000);
    expect((await fetch(`${server.url}/readyz`)).status).toBe(200);

    const app = (await upstream.node.store.identity.getApp(upstream.appId))!;
    await upstream.node.store.identity.putApp({ ...app, appKey: hex32() });
    await eventually(async () => (await fetch(`${server.url}/readyz`)).status === 503, {
      timeoutMs: 10_000,
      what: 'the relay not ready once its credential is refused',
    });
    await upstream.node.engine.execute(meeting.conferenceID, {
      type: 'join',
      site: { pid: 'late', name: 'Late site' },
    });
    await eventually(
      async () =>
        JSON.stringify(await committedStreams(server.node, meeting.conferenceID)) ===
        JSON.stringify(await committedStreams(upstream.node, meeting.conferenceID)),
      { timeoutMs: 10_000, what: 'the followed meeting mirrored while the credential is refused' },
    );
    for (let i = 0; i < 3; i++) await relay.pollNow();
    expect(log.relayErrors()).toHaveLength(1);

    await upstream.node.store.identity.putApp(app);
    await eventually(async () => (await fetch(`${server.url}/readyz`)).status === 200, 10_000);
    expect(log.lines.some((l) => /accepts the App ID credential again/.test(l.msg))).toBe(true);
  });

  // Bounded below the upstream calls' own 15 s timeout: without the abort, closing waits for it and this fails.
  it(
    'stops at once while the upstream does not answer: the call in flight is aborted, no problem logged',
    {
      timeout: 10_000,
    },
    async () => {
      const proxy = await startProxy();
      const upstream = await startUpstream(proxy);
      const meeting = await runningMeeting(upstream);
      const log = capturedLogger();
      const pair = await startRelay(proxy, upstream, {}, log.logger);
      await eventually(() => pair.relay.follower(meeting.conferenceID)?.state === 'live', 10_000);
      proxy.delay(3_600_000);
      const polling = pair.relay.pollNow();
      // The discovery call has gone upstream and its answer is held in the proxy.
      await eventually(() => proxy.heldChunks > 0, 5_000);
      await pair.close();
      await polling;
      proxy.delay(0);
      expect(log.lines.filter((l) => l.level >= 40 && l.msg.startsWith('relay:'))).toEqual([]);
    },
  );
});
