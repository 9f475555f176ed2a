/**
 * The broker contract (src/broker/broker.ts) as one suite, run against every backend: `describeBroker(name,
 * fixture)`. A fixture opens two brokers of two nodes on the same channels and publishes entries as its store does
 * (the Redis commit script publishes on the meeting's channel; the embedded store calls `MemoryBroker.publish`).
 */
import { describe, expect, it } from 'vitest';
import type { Broker, BrokerEntry } from '../src/broker/broker.js';
import { eventually } from './helpers.js';

export interface BrokerFixture {
  /** Two brokers of two nodes sharing channels, and a way to publish on them. */
  open(): Promise<{
    brokers: [Broker, Broker];
    publish(entry: BrokerEntry): Promise<void>;
    close(): Promise<void>;
  }>;
}

let meetings = 0;
const newConfId = () => `${910000000 + Math.floor(Math.random() * 80_000_000) + ++meetings}`;

function entry(confId: string, rev: number, nodeId = 'n1'): BrokerEntry {
  return {
    kind: rev === 1 ? 'created' : 'entry',
    nodeId,
    confId,
    rev,
    id: `e${rev}`,
    base: rev === 1 ? '' : `e${rev - 1}`,
    record: null,
    writes:
      rev === 1
        ? []
        : [
            {
              category: 'ConfDynamicInfoNotify',
              epoch: 'ep',
              seq: rev - 1,
              createdAt: 1000 + rev,
              payload: { lock: rev % 2 },
            },
          ],
  };
}

export function describeBroker(name: string, fixture: BrokerFixture): void {
  describe(`${name} broker`, () => {
    it('delivers a meeting’s entries in publication order, to every node subscribed, until it unsubscribes', async () => {
      const { brokers, publish, close } = await fixture.open();
      try {
        const confId = newConfId();
        const received: [BrokerEntry[], BrokerEntry[]] = [[], []];
        await brokers[0].subscribe(confId, (e) => received[0].push(e));
        await brokers[1].subscribe(confId, (e) => received[1].push(e));
        const published = [1, 2, 3, 4, 5].map((rev) => entry(confId, rev, rev % 2 ? 'n1' : 'n2'));
        for (const e of published) await publish(e);
        await eventually(() => (received.every((r) => r.length === 5) ? true : undefined));
        expect(received[0]).toEqual(published);
        expect(received[1]).toEqual(published);

        await brokers[1].unsubscribe(confId);
        await publish(entry(confId, 6));
        await publish(entry(confId, 7));
        await eventually(() => (received[0].length === 7 ? true : undefined));
        expect(received[0].map((e) => e.rev)).toEqual([1, 2, 3, 4, 5, 6, 7]);
        // Node 1 left before entry 6: it never sees 6 or 7 (node 0 saw 7 after 6, so 6 would have come first).
        expect(received[1]).toHaveLength(5);
      } finally {
        await close();
      }
    });

    it('keeps meetings apart: a node receives the entries of the meetings it subscribed to only', async () => {
      const { brokers, publish, close } = await fixture.open();
      try {
        const [mine, other] = [newConfId(), newConfId()];
        const received: BrokerEntry[] = [];
        const probe: BrokerEntry[] = [];
        await brokers[0].subscribe(mine, (e) => received.push(e));
        await brokers[1].subscribe(other, (e) => probe.push(e));
        await publish(entry(other, 1));
        await publish(entry(mine, 1));
        await publish(entry(other, 2));
        await eventually(() => (received.length === 1 && probe.length === 2 ? true : undefined));
        expect(received.map((e) => [e.confId, e.rev])).toEqual([[mine, 1]]);
      } finally {
        await close();
      }
    });

    it('stops delivering when closed; unsubscribing a meeting not subscribed is harmless', async () => {
      const { brokers, publish, close } = await fixture.open();
      try {
        const confId = newConfId();
        const received: BrokerEntry[] = [];
        const witness: BrokerEntry[] = [];
        await brokers[0].unsubscribe(confId);
        await brokers[0].subscribe(confId, (e) => received.push(e));
        await brokers[1].subscribe(confId, (e) => witness.push(e));
        await publish(entry(confId, 1));
        await eventually(() => (received.length === 1 && witness.length === 1 ? true : undefined));
        await brokers[0].close();
        await publish(entry(confId, 2));
        await eventually(() => (witness.length === 2 ? true : undefined));
        expect(received).toHaveLength(1);
      } finally {
        await close();
      }
    });
  });
}
