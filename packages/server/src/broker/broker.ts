/**
 * The broker: the fan-out of committed changes between the nodes of a cluster. The embedded mode is a one-node
 * cluster whose broker is in memory (`memory.ts`); cluster mode uses Redis (`redis.ts`).
 *
 * Ordering and delivery contract:
 * - Every entry a node commits to a meeting is published on that meeting's channel by the store, in the same
 *   atomic step as the commit (the Redis commit script publishes it), so the order of publication is the order of
 *   commit: entries of one meeting arrive with strictly increasing `rev`, each naming the previous one as `base`.
 * - Delivery is at most once. A subscriber that was disconnected, or that subscribed after an entry was
 *   published, misses entries: it sees a gap in `rev` (or is told through `onReconnect`) and must read the meeting
 *   from the store again. Nothing is ever delivered out of order on one connection, but a node's own commit reply
 *   and another node's next entry may reach it in either order, so receivers buffer by `rev`.
 * - `reset` entries say that a meeting's streams were restarted under new epochs (the store lost continuity);
 *   receivers reload the meeting and give their subscribers full messages.
 */
import type { PushCategory } from '@confpush/protocol';
import type { MeetingRecord } from '../domain/meeting.js';

/** One stream change of an entry, as published (the stored item rows are not sent). */
export interface BrokerWrite {
  category: PushCategory;
  epoch: string;
  seq: number;
  createdAt: number;
  payload: unknown;
}

/** A committed entry of a meeting as every node receives it. */
export interface BrokerEntry {
  /** `entry`: a change; `created`: the meeting was created (rev 1); `reset`: its streams got new epochs. */
  kind: 'entry' | 'created' | 'reset';
  /** The node that committed it (a node ignores its own entries: it applied them from the commit reply). */
  nodeId: string;
  confId: string;
  rev: number;
  id: string;
  /** The entry this one was decided on (the meeting's previous head). */
  base: string;
  record: MeetingRecord | null;
  writes: BrokerWrite[];
}

export interface Broker {
  /**
   * Starts delivering the meeting's entries to `onEntry`; resolves once the subscription is in place (entries
   * committed after that are delivered).
   */
  subscribe(confId: string, onEntry: (entry: BrokerEntry) => void): Promise<void>;
  unsubscribe(confId: string): Promise<void>;
  /** Called after the broker lost its connection and got it back: entries may have been missed meanwhile. */
  onReconnect(handler: () => void): void;
  close(): Promise<void>;
}
