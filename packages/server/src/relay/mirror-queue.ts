/**
 * What the upstream changed and the relay has not committed yet, and the one loop that commits it: at most one
 * `mirror` command per meeting in flight; everything touched meanwhile is coalesced into the next one, read from
 * the upstream replica at that moment (so a burst of upstream frames costs one commit, and a change undone
 * upstream before it was committed costs none).
 */
import type { MeetingReplica } from '@confpush/client';
import { PUSH_CATEGORIES, type PushCategory } from '@confpush/protocol';
import type { MirrorTarget } from '../domain/commands.js';
import type { Touched } from './upstream-replica.js';

export interface MirrorQueueOptions {
  replica: MeetingReplica;
  /** Commits the targets (a `mirror` command); rejects when it could not. */
  commit(targets: MirrorTarget[]): Promise<void>;
  now(): number;
  /** After each commit: when its oldest frame was received here, and the oldest upstream `createTime` in it. */
  committed(info: { receivedAt: number; createTime: number | undefined }): void;
  /** A commit failed: the queue keeps what it held and tries again after `retryMs`. */
  failed(error: unknown): void;
  schedule(fn: () => void, ms: number): void;
  retryMs: number;
}

export class MirrorQueue {
  readonly #o: MirrorQueueOptions;
  readonly #dirty = new Map<PushCategory, Set<string> | 'all'>();
  #oldestReceivedAt: number | undefined;
  #oldestCreateTime: number | undefined;
  #running = false;
  #waiters: (() => void)[] = [];
  #closed = false;

  constructor(options: MirrorQueueOptions) {
    this.#o = options;
  }

  get pending(): boolean {
    return this.#dirty.size > 0 || this.#running;
  }

  touch(touched: Touched): void {
    const held = this.#dirty.get(touched.category);
    if (touched.keys === 'all' || held === 'all') this.#dirty.set(touched.category, 'all');
    else if (held) for (const key of touched.keys) held.add(key);
    else this.#dirty.set(touched.category, new Set(touched.keys));
    this.#oldestReceivedAt ??= this.#o.now();
    if (touched.createTime !== undefined)
      this.#oldestCreateTime = Math.min(this.#oldestCreateTime ?? Infinity, touched.createTime);
    this.#kick();
  }

  /** Marks every category for a whole comparison (after a failed commit, or to reconcile). */
  touchAll(): void {
    for (const category of PUSH_CATEGORIES) this.touch({ category, keys: 'all', createTime: undefined });
  }

  /** Resolves once nothing is pending. */
  idle(): Promise<void> {
    if (!this.pending) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  close(): void {
    this.#closed = true;
    this.#dirty.clear();
    this.#release();
  }

  #kick(): void {
    if (this.#running || this.#closed || this.#dirty.size === 0) return;
    this.#running = true;
    void this.#commitOnce();
  }

  async #commitOnce(): Promise<void> {
    const targets = this.#targets();
    const info = { receivedAt: this.#oldestReceivedAt ?? this.#o.now(), createTime: this.#oldestCreateTime };
    const taken = new Map(this.#dirty);
    this.#dirty.clear();
    this.#oldestReceivedAt = undefined;
    this.#oldestCreateTime = undefined;
    try {
      await this.#o.commit(targets);
      this.#o.committed(info);
    } catch (error) {
      this.#o.failed(error);
      if (!this.#closed) {
        for (const [category, keys] of taken)
          this.touch({ category, keys: keys === 'all' ? 'all' : [...keys], createTime: info.createTime });
        this.#running = false;
        this.#o.schedule(() => this.#kick(), this.#o.retryMs);
        return;
      }
    }
    this.#running = false;
    if (this.#dirty.size > 0 && !this.#closed) this.#kick();
    else this.#release();
  }

  #targets(): MirrorTarget[] {
    const targets: MirrorTarget[] = [];
    for (const [category, keys] of this.#dirty) {
      const stream = this.#o.replica.stream(category);
      if (!stream.synced) continue;
      if (keys === 'all') {
        targets.push({ category, payload: stream.snapshot() });
        continue;
      }
      const payload = [...keys].flatMap((key) => {
        const item = stream.items.get(key);
        return item ? [item] : [];
      });
      targets.push({ category, payload, keys: [...keys] });
    }
    return targets;
  }

  #release(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const resolve of waiters) resolve();
  }
}
