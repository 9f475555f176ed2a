/**
 * The deliverer runs on a thread of its own with its own store connection (src/webhooks/delivery-thread.ts), so the
 * node's event loop — the socket push — does none of the delivery work. Through real nodes and a real HTTPS
 * receiver: no thread before any configuration exists, one on every node after; its attempts reach the node's
 * /metrics and its log lines the node's logger; a thread that dies is started again and delivers what was pending.
 */
import os from 'node:os';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import type { ConfpushNode } from '../src/node.js';
import type { WebhookSink } from '../src/webhooks/sink.js';
import { appAuth, createMeeting, http } from './chain.js';
import { eventually, loginAsTestUser, startTestServer, type TestServer } from './helpers.js';
import { WebhookReceiver } from './support/webhook-receiver.js';

const LINK = '/v1/mmc/management/webhook/link-config';
const STATUS = '/v1/mmc/management/webhook/change-status';

function nodesOf(server: TestServer): ConfpushNode[] {
  return server.nodes ?? [server.node];
}

function sinkOf(node: ConfpushNode): WebhookSink {
  const sink = node.sources.find((s) => s.name === 'webhooks');
  if (!sink) throw new Error('no webhook sink');
  return sink as WebhookSink;
}

const detailOf = (node: ConfpushNode) =>
  sinkOf(node).health().detail as {
    thread: boolean;
    threadNice: number | null;
    leased: boolean;
    delivered: number;
  };

async function enable(server: TestServer, receiver: WebhookReceiver): Promise<void> {
  const { accessToken } = await loginAsTestUser(server, { admin: true });
  const headers = { 'X-Access-Token': accessToken };
  const set = await http(server, 'POST', LINK, {
    headers,
    body: { subscriberId: '12345678', subscriberKey: receiver.subscriberKey, url: receiver.url },
  });
  expect(set.status).toBe(200);
  const on = await http(server, 'PUT', `${STATUS}?id=${(set.body as { id: string }).id}&status=0`, {
    headers,
  });
  expect(on.status, JSON.stringify(on.body)).toBe(200);
}

/** The sum over the nodes of `confpush_webhook_attempts_total{outcome="<outcome>"}`. */
async function attemptsCounted(server: TestServer, outcome: string): Promise<number> {
  let total = 0;
  for (const node of nodesOf(server)) {
    const text = await (await fetch(`${node.url}/metrics`)).text();
    const line = text
      .split('\n')
      .find((l) => l.startsWith(`confpush_webhook_attempts_total{outcome="${outcome}"}`));
    total += line ? Number(line.split(' ').at(-1)) : 0;
  }
  return total;
}

describe('the webhook delivery thread', () => {
  it("starts once a configuration exists; its attempts reach /metrics and its log lines the node's logger", async () => {
    const lines: Record<string, unknown>[] = [];
    const logger = pino({ level: 'warn' }, { write: (line: string) => void lines.push(JSON.parse(line)) });
    const receiver = await WebhookReceiver.start('secret');
    const ownNice = os.getPriority(); // of this thread, which runs the node
    const server = await startTestServer({
      logger,
      config: {
        webhookAllowPrivate: true,
        webhookCaFile: receiver.certFile,
        webhookRetryMs: '20',
        webhookGiveUpMs: 150,
        webhookThreadNice: 7,
        calleeAnswerDelayMs: 0,
      },
    });
    const token = await appAuth(server);
    await createMeeting(server, token, { subject: 'before any configuration' });
    expect(nodesOf(server).map((node) => detailOf(node).thread)).not.toContain(true);

    await enable(server, receiver);
    await eventually(() => nodesOf(server).every((node) => detailOf(node).thread), {
      what: 'a delivery thread on every node',
    });
    // On Linux the thread lowers its own priority (setting webhookThreadNice), not the node's.
    if (process.platform === 'linux') {
      await eventually(() => nodesOf(server).every((node) => detailOf(node).threadNice === 7), {
        what: 'the delivery threads at nice 7',
      });
      expect(os.getPriority()).toBe(ownNice);
    }
    const meeting = await createMeeting(server, token, { subject: 'delivered' });
    const events = await receiver.waitForEvents(2);
    expect(events.map((e) => e.eventInfo.payload?.meetingInfo.meetingID)).toEqual([
      meeting.conferenceID,
      meeting.conferenceID,
    ]);
    await eventually(async () => (await attemptsCounted(server, 'delivered')) === 2, {
      what: 'two delivered attempts in /metrics',
    });

    receiver.mode = 'fail';
    await createMeeting(server, token, { subject: 'dead' });
    const dead = await eventually(
      () => lines.find((l) => l['msg'] === 'webhook event is dead (replay it from the delivery log API)'),
      { what: "the thread's warning in the node's log" },
    );
    expect(dead).toMatchObject({ level: 40, thread: 'webhooks', error: 'HTTP 500' });
    // Attempts are reported every REPORT_MS, log lines at once.
    await eventually(async () => (await attemptsCounted(server, 'dead')) >= 1, {
      what: 'a dead attempt in /metrics',
    });
  });

  it('is started again when it dies, and delivers what was pending meanwhile', async () => {
    const receiver = await WebhookReceiver.start('secret');
    const server = await startTestServer({
      config: { webhookAllowPrivate: true, webhookCaFile: receiver.certFile, calleeAnswerDelayMs: 0 },
    });
    await enable(server, receiver);
    const holder = await eventually(() => nodesOf(server).find((node) => detailOf(node).leased), {
      what: 'a lease holder',
    });
    const thread = sinkOf(holder).deliveryThread!;
    const dying = thread.worker!;
    const exited = new Promise((resolve) => dying.once('exit', resolve));
    await dying.terminate();
    await exited;
    expect(thread.running).toBe(false);

    const token = await appAuth(server);
    const meeting = await createMeeting(server, token, { subject: 'while the thread was down' });
    const events = await receiver.waitForEvents(2);
    expect(events.map((e) => e.eventInfo.event)).toEqual(['meeting.create', 'meeting.started']);
    expect(events.map((e) => e.eventInfo.payload?.meetingInfo.meetingID)).toEqual([
      meeting.conferenceID,
      meeting.conferenceID,
    ]);
    expect(thread.running).toBe(true);
    expect(thread.worker).not.toBe(dying);
  });
});
