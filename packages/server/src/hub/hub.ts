/**
 * The hub: which local sessions are subscribed to which (meeting, category) stream, and the fan-out of each
 * committed change to them. A change is encoded at most once, and only if someone is subscribed.
 */
import { CATEGORY_SPECS, type PushCategory } from '@confpush/protocol';
import type { Clock } from '../clock.js';
import type { MeetingRecord } from '../domain/meeting.js';
import type { CommittedChange, EngineListener } from '../engine/engine.js';
import type { MeetingRuntime } from '../engine/runtime.js';
import { encodeFull, encodeIncremental } from './encode.js';

/** What the hub needs from a subscribed session. */
export interface Subscriber {
  /** Deliver one encoded push message of `category` that brings the stream to `seq`. */
  deliver(category: PushCategory, seq: number, bytes: Buffer): void;
  /** The meeting ended: send what is queued, then close with the meeting-ended code. */
  meetingEnded(): void;
  /** Cluster mode: the meeting is gone from the store; close with the meeting-not-found code. */
  meetingLost?(): void;
}

export class Hub implements EngineListener {
  readonly #clock: Clock;
  readonly #meetings = new Map<string, Map<PushCategory, Set<Subscriber>>>();
  #framesEncoded = 0;

  constructor(clock: Clock) {
    this.#clock = clock;
  }

  get framesEncoded(): number {
    return this.#framesEncoded;
  }

  subscribe(confId: string, category: PushCategory, subscriber: Subscriber): void {
    let streams = this.#meetings.get(confId);
    if (!streams) this.#meetings.set(confId, (streams = new Map()));
    let subscribers = streams.get(category);
    if (!subscribers) streams.set(category, (subscribers = new Set()));
    subscribers.add(subscriber);
  }

  unsubscribeAll(confId: string, subscriber: Subscriber): void {
    const streams = this.#meetings.get(confId);
    if (!streams) return;
    for (const [category, subscribers] of streams) {
      subscribers.delete(subscriber);
      if (subscribers.size === 0) streams.delete(category);
    }
    if (streams.size === 0) this.#meetings.delete(confId);
  }

  /** Whether any local session is subscribed to the meeting. */
  hasSubscribers(confId: string): boolean {
    return this.#meetings.has(confId);
  }

  subscriberCount(confId: string, category: PushCategory): number {
    return this.#meetings.get(confId)?.get(category)?.size ?? 0;
  }

  /** Subscriptions per category over every meeting (sampled when metrics are scraped). */
  subscriptionCounts(): Map<PushCategory, number> {
    const counts = new Map<PushCategory, number>();
    for (const streams of this.#meetings.values()) {
      for (const [category, subscribers] of streams) {
        counts.set(category, (counts.get(category) ?? 0) + subscribers.size);
      }
    }
    return counts;
  }

  /** The full message of a stream's committed state, encoded once per sequence number and shared. */
  fullFrame(runtime: MeetingRuntime, category: PushCategory): Buffer {
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
    const streams = this.#meetings.get(runtime.confId);
    if (streams) {
      for (const change of changes) {
        const subscribers = streams.get(change.category);
        if (!subscribers || subscribers.size === 0) continue;
        const bytes = CATEGORY_SPECS[change.category].fullOnly
          ? this.fullFrame(runtime, change.category)
          : this.incrementalFrame(runtime.confId, change);
        for (const subscriber of subscribers) subscriber.deliver(change.category, change.seq, bytes);
      }
    }
    if (record && record.state === 'Destroyed') this.#endMeeting(runtime.confId);
  }

  /** The incremental message of a committed change, encoded once and kept with the change (resume reuses it). */
  incrementalFrame(confId: string, change: CommittedChange): Buffer {
    if (change.bytes) return change.bytes;
    this.#framesEncoded++;
    change.bytes = encodeIncremental(confId, change.category, change.seq, change.payload, change.createdAt);
    return change.bytes;
  }

  /** Cluster mode: these streams restarted; every subscriber of them gets a full message of the new state. */
  onReset(runtime: MeetingRuntime, categories: readonly PushCategory[]): void {
    const streams = this.#meetings.get(runtime.confId);
    if (streams) {
      for (const category of categories) {
        const subscribers = streams.get(category);
        if (!subscribers || subscribers.size === 0) continue;
        const seq = runtime.committed.streams[category].seq ?? 0;
        const bytes = this.fullFrame(runtime, category);
        for (const subscriber of subscribers) subscriber.deliver(category, seq, bytes);
      }
    }
    if (runtime.committed.record.state === 'Destroyed') this.#endMeeting(runtime.confId);
  }

  /** Cluster mode: the meeting is gone from the store. */
  onLost(runtime: MeetingRuntime): void {
    this.#endMeeting(runtime.confId, true);
  }

  #endMeeting(confId: string, lost = false): void {
    const streams = this.#meetings.get(confId);
    if (!streams) return;
    const all = new Set<Subscriber>();
    for (const subscribers of streams.values()) for (const s of subscribers) all.add(s);
    this.#meetings.delete(confId);
    for (const subscriber of all) {
      if (lost && subscriber.meetingLost) subscriber.meetingLost();
      else subscriber.meetingEnded();
    }
  }
}
