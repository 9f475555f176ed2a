/**
 * The hub: which local sessions are subscribed to which (meeting, category) stream, and the fan-out of each
 * committed change to them. A change is encoded at most once, and only if someone is subscribed.
 */
import { CATEGORY_SPECS, PUSH_CATEGORIES, type PushCategory } from '@confpush/protocol';
import type { Clock } from '../clock.js';
import type { MeetingRecord } from '../domain/meeting.js';
import type { CommittedChange, EngineListener } from '../engine/engine.js';
import type { MeetingRuntime } from '../engine/runtime.js';
import { encodeFull, encodeIncremental } from './encode.js';
import type { WireFrame } from './wire.js';
import { deleteInner, innerMap } from '../nested-map.js';

/** What the hub needs from a subscribed session. */
export interface Subscriber {
  /** Deliver one encoded push message (a complete WebSocket frame) of `category` that brings the stream to `seq`. */
  deliver(category: PushCategory, seq: number, frame: WireFrame): void;
  /** The meeting ended: send what is queued, then close with the meeting-ended code. */
  meetingEnded(): void;
  /** Cluster mode: the meeting is gone from the store; close with the meeting-not-found code. */
  meetingLost?(): void;
}

/** One bit per push category: a subscriber's categories are one number. */
export const CATEGORY_BIT = Object.fromEntries(PUSH_CATEGORIES.map((c, i) => [c, 1 << i])) as Record<
  PushCategory,
  number
>;

export class Hub implements EngineListener {
  readonly #clock: Clock;
  /**
   * Per meeting, its local subscribers and the categories (CATEGORY_BIT set) each one receives. One entry per
   * connection rather than one per (connection, category) keeps a connection's footprint small; a change's fan-out
   * skips the few subscribers without its category.
   */
  readonly #meetings = new Map<string, Map<Subscriber, number>>();
  #framesEncoded = 0;

  constructor(clock: Clock) {
    this.#clock = clock;
  }

  get framesEncoded(): number {
    return this.#framesEncoded;
  }

  subscribe(confId: string, category: PushCategory, subscriber: Subscriber): void {
    const subscribers = innerMap(this.#meetings, confId);
    subscribers.set(subscriber, (subscribers.get(subscriber) ?? 0) | CATEGORY_BIT[category]);
  }

  unsubscribeAll(confId: string, subscriber: Subscriber): void {
    deleteInner(this.#meetings, confId, subscriber);
  }

  /** Whether any local session is subscribed to the meeting. */
  hasSubscribers(confId: string): boolean {
    return this.#meetings.has(confId);
  }

  subscriberCount(confId: string, category: PushCategory): number {
    let n = 0;
    const bit = CATEGORY_BIT[category];
    for (const bits of this.#meetings.get(confId)?.values() ?? []) if (bits & bit) n++;
    return n;
  }

  /** Subscriptions per category over every meeting (sampled when metrics are scraped). */
  subscriptionCounts(): Map<PushCategory, number> {
    const counts = new Map<PushCategory, number>();
    for (const subscribers of this.#meetings.values()) {
      for (const bits of subscribers.values()) {
        for (const category of PUSH_CATEGORIES) {
          if (bits & CATEGORY_BIT[category]) counts.set(category, (counts.get(category) ?? 0) + 1);
        }
      }
    }
    return counts;
  }

  /** The full message of a stream's committed state, encoded once per sequence number and shared. */
  fullFrame(runtime: MeetingRuntime, category: PushCategory): WireFrame {
    const replica = runtime.committed.streams[category];
    const seq = replica.seq ?? 0;
    const cached = runtime.fullFrames.get(category);
    if (cached && cached.seq === seq) return cached.bytes;
    const bytes = encodeFull(runtime.confId, replica, this.#clock.now());
    this.#framesEncoded++;
    runtime.fullFrames.set(category, { seq, bytes });
    return bytes;
  }

  onCommitted(
    runtime: MeetingRuntime,
    changes: readonly CommittedChange[],
    record: MeetingRecord | undefined,
  ): void {
    const subscribers = this.#meetings.get(runtime.confId);
    if (subscribers) {
      for (const change of changes) {
        const bit = CATEGORY_BIT[change.category];
        // Encoded when the first subscriber of the category is met: never for a category nobody receives.
        let frame: WireFrame | undefined;
        for (const [subscriber, bits] of subscribers) {
          if ((bits & bit) === 0) continue;
          frame ??= CATEGORY_SPECS[change.category].fullOnly
            ? this.fullFrame(runtime, change.category)
            : this.incrementalFrame(runtime.confId, change);
          subscriber.deliver(change.category, change.seq, frame);
        }
      }
    }
    if (record && record.state === 'Destroyed') this.#endMeeting(runtime.confId);
  }

  /** The incremental message of a committed change, encoded once and kept with the change (resume reuses it). */
  incrementalFrame(confId: string, change: CommittedChange): WireFrame {
    if (change.bytes) return change.bytes;
    this.#framesEncoded++;
    change.bytes = encodeIncremental(confId, change);
    return change.bytes;
  }

  /** Cluster mode: these streams restarted; every subscriber of them gets a full message of the new state. */
  onReset(runtime: MeetingRuntime, categories: readonly PushCategory[]): void {
    const subscribers = this.#meetings.get(runtime.confId);
    if (subscribers) {
      for (const category of categories) {
        const bit = CATEGORY_BIT[category];
        const seq = runtime.committed.streams[category].seq ?? 0;
        let frame: WireFrame | undefined;
        for (const [subscriber, bits] of subscribers) {
          if ((bits & bit) === 0) continue;
          frame ??= this.fullFrame(runtime, category);
          subscriber.deliver(category, seq, frame);
        }
      }
    }
    if (runtime.committed.record.state === 'Destroyed') this.#endMeeting(runtime.confId);
  }

  /** Cluster mode: the meeting is gone from the store. */
  onLost(runtime: MeetingRuntime): void {
    this.#endMeeting(runtime.confId, true);
  }

  #endMeeting(confId: string, lost = false): void {
    const subscribers = this.#meetings.get(confId);
    if (!subscribers) return;
    this.#meetings.delete(confId);
    for (const subscriber of subscribers.keys()) {
      if (lost && subscriber.meetingLost) subscriber.meetingLost();
      else subscriber.meetingEnded();
    }
  }
}
