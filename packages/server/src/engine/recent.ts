/**
 * The most recent committed changes of one stream, in memory, for resume. Entries are contiguous in `seq`;
 * the oldest are dropped past `capacity`. Each entry caches its encoded incremental message, so a replayed
 * message is the very message (same bytes, same msgID) that live subscribers received.
 */
import type { PushCategory } from '@confpush/protocol';
import type { WireFrame } from '../hub/wire.js';

export interface RecentChange {
  readonly category: PushCategory;
  readonly seq: number;
  readonly epoch: string;
  readonly payload: unknown;
  readonly createdAt: number;
  /** The encoded incremental message, once something encoded it. */
  bytes?: WireFrame;
}

export class RecentLog {
  #entries: RecentChange[] = [];

  constructor(readonly capacity: number) {}

  append(change: RecentChange): void {
    if (this.capacity === 0) return;
    const last = this.#entries.at(-1);
    if (last && change.seq !== last.seq + 1) this.#entries = [];
    this.#entries.push(change);
    // Trim in chunks so appends stay O(1) amortised.
    if (this.#entries.length > this.capacity * 2) this.#entries = this.#entries.slice(-this.capacity);
  }

  /**
   * The changes after `seq` up to the newest, if every one of them is held (all or nothing); `[]` when `seq` is
   * the newest; undefined when some are missing.
   */
  after(seq: number, newest: number): RecentChange[] | undefined {
    if (seq === newest) return [];
    if (seq > newest) return undefined;
    const first = this.#entries[0];
    const last = this.#entries.at(-1);
    if (!first || !last || last.seq !== newest) return undefined;
    const oldestHeld = Math.max(first.seq, last.seq - this.capacity + 1);
    if (seq + 1 < oldestHeld) return undefined;
    return this.#entries.slice(seq + 1 - first.seq);
  }

  get size(): number {
    return Math.min(this.#entries.length, this.capacity);
  }
}
