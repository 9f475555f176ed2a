/**
 * The outbox rule (docs/webhooks.md; src/webhooks/listening-corps.ts): a commit writes no webhook outbox message
 * for an enterprise without an event push configuration, and every event committed after the call that created
 * the configuration answered is kept — on every node of a cluster, including one that did not take the call.
 * Counted by each node's webhook sink (its health detail and `confpush_webhook_outbox_events_total`: the events
 * its own commits wrote and skipped).
 */
import { describe, expect, it } from 'vitest';
import type { ConfpushNode } from '../src/node.js';
import { appAuth, createMeeting, http } from './chain.js';
import { eventually, loginAsTestUser, startTestServer, type TestServer } from './helpers.js';
import { WebhookReceiver } from './support/webhook-receiver.js';

const LINK = '/v1/mmc/management/webhook/link-config';

interface OutboxCounts {
  written: number;
  skipped: number;
  fresh: boolean;
}

function outboxOf(node: ConfpushNode): OutboxCounts {
  const sink = node.sources.find((s) => s.name === 'webhooks');
  return (sink?.health?.().detail as { outbox: OutboxCounts }).outbox;
}

/** The same server, every request to this one node. */
const via = (server: TestServer, node: ConfpushNode): TestServer => ({ ...server, url: node.url });

describe('the webhook outbox rule', () => {
  it('writes no outbox message without a configuration, and keeps every event after the create call answered', async () => {
    const receiver = await WebhookReceiver.start('rule-key');
    const server = await startTestServer({
      config: { webhookAllowPrivate: true, webhookCaFile: receiver.certFile, calleeAnswerDelayMs: 0 },
    });
    const nodes = server.nodes ?? [server.node];
    const [first, last] = [nodes[0]!, nodes[nodes.length - 1]!];
    await eventually(() => nodes.every((node) => outboxOf(node).fresh), {
      what: 'every node read the configurations',
    });
    const token = await appAuth(server);

    // Nobody listens: the events of a new meeting (meeting.create, meeting.started) are not written.
    await createMeeting(via(server, last), token, { subject: 'unheard' });
    expect(outboxOf(last)).toMatchObject({ written: 0, skipped: 2 });

    // The configuration is created through the first node; the next commit, on the last node, keeps its events.
    const { accessToken } = await loginAsTestUser(server, { admin: true });
    const headers = { 'X-Access-Token': accessToken };
    const set = await http(via(server, first), 'POST', LINK, {
      headers,
      body: { subscriberId: 'rule', subscriberKey: receiver.subscriberKey, url: receiver.url },
    });
    expect(set.status).toBe(200);
    await createMeeting(via(server, last), token, { subject: 'heard' });
    expect(outboxOf(last)).toMatchObject({ written: 2, skipped: 2 });

    // Deleted through the last node: that node stops writing at once.
    const id = (set.body as { id: string }).id;
    const deleted = await http(via(server, last), 'DELETE', `${LINK}?id=${id}`, { headers });
    expect(deleted.status).toBe(200);
    await createMeeting(via(server, last), token, { subject: 'unheard again' });
    expect(outboxOf(last)).toMatchObject({ written: 2, skipped: 4 });
    const metrics = await (await fetch(`${last.url}/metrics`)).text();
    expect(metrics).toContain('confpush_webhook_outbox_events_total{result="written"} 2');
    expect(metrics).toContain('confpush_webhook_outbox_events_total{result="skipped"} 4');
    await receiver.down();
  });
});
