/**
 * What the upstream changed and the relay has not committed yet, and the commits of it: what the upstream frames
 * of one synchronous run touched becomes one `mirror` command, submitted at once even while earlier ones are still
 * being made durable (the engine puts it into its next group commit), up to `MAX_IN_FLIGHT` per meeting; beyond
 * that, touches are coalesced until one completes.
 *
 * A command names only what it covers (categories and keys); its payload is read from the upstream replica when
 * the engine decides it. So the order in which the engine decides the commands, or decides one again after the
 * store refused it, does not matter: each one brings its keys to the upstream state of that moment, and the last
 * decided brings them to the newest. A burst that arrives while the event loop is busy (a commit's fan-out) is
 * read in one go and costs one command; under a light load every upstream step is its own change.
 */
import type { MeetingReplica } from '@confpush/client';
import type { PushCategory } from '@confpush/protocol';
import type { MirrorTarget } from '../domain/commands.js';
import type { Touched } from './upstream-replica.js';

/** Mirror commands of one meeting submitted and not completed yet, at most. */
export const MAX_IN_FLIGHT = 4;

type Covered = Map<PushCategory, Set<string> | 'all'>;

export interface CommitInfo {
  /** When the oldest step it covers was received here (a step covered again after a failed commit keeps its time). */
  receivedAt: number;
  createTime: number | undefined;
  /** Upstream steps (touches) it covers, those of failed commits before it included. */
  steps: number;
  /** Its place in submission order, from 1. */
  submission: number;
}

export interface MirrorQueueOptions {
  replica: MeetingReplica;
  /** Commits a `mirror` command whose targets are read when it is decided; rejects when it could not. */
  commit(targets: () => MirrorTarget[]): Promise<void>;
  /** A reading of a clock, for `receivedAt` (the follower gives a monotonic one: the lag is an interval here). */
  now(): number;
  /** After each commit, in submission order. */
  committed(info: CommitInfo): void;
  /** A commit failed: the queue keeps what it covered and tries again after `retryMs`. */
  failed(error: unknown): void;
  schedule(fn: () => void, ms: number): void;
  retryMs: number;
}

export class MirrorQueue {
  readonly #o: MirrorQueueOptions;
  readonly #dirty: Covered = new Map();
  #oldestReceivedAt: number | undefined;
  #oldestCreateTime: number | undefined;
  #steps = 0;
  #submissions = 0;
  #inFlight = 0;
  /** Settles once the last submitted command and every one before it are done (committed or failed). */
  #reported: Promise<void> = Promise.resolve();
  #submitQueued = false;
  /** A commit failed: nothing is submitted until the retry pause is over. */
  #pausing = false;
  #waiters: (() => void)[] = [];
  #closed = false;

  constructor(options: MirrorQueueOptions) {
    this.#o = options;
  }

  get pending(): boolean {
    return this.#dirty.size > 0 || this.#inFlight > 0;
  }

  /** Commands submitted and not completed (for tests and status). */
  get inFlight(): number {
    return this.#inFlight;
  }

  touch(touched: Touched): void {
    this.#mark(touched);
    this.#kick();
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

  /** A step received here now. */
  #mark(touched: Touched): void {
    this.#cover(touched);
    this.#oldestReceivedAt ??= this.#o.now();
    this.#steps++;
  }

  #cover(touched: Touched): void {
    const held = this.#dirty.get(touched.category);
    if (touched.keys === 'all' || held === 'all') this.#dirty.set(touched.category, 'all');
    else if (held) for (const key of touched.keys) held.add(key);
    else this.#dirty.set(touched.category, new Set(touched.keys));
    if (touched.createTime !== undefined)
      this.#oldestCreateTime = Math.min(this.#oldestCreateTime ?? Infinity, touched.createTime);
  }

  /** Submits what is dirty once the current synchronous run is over (the frames of one socket read together). */
  #kick(): void {
    if (this.#submitQueued || this.#pausing || this.#closed || this.#dirty.size === 0) return;
    if (this.#inFlight >= MAX_IN_FLIGHT) return;
    this.#submitQueued = true;
    queueMicrotask(() => {
      this.#submitQueued = false;
      this.#submit();
    });
  }

  #submit(): void {
    if (this.#pausing || this.#closed || this.#dirty.size === 0 || this.#inFlight >= MAX_IN_FLIGHT) return;
    const covered: Covered = new Map(this.#dirty);
    const info: CommitInfo = {
      receivedAt: this.#oldestReceivedAt ?? this.#o.now(),
      createTime: this.#oldestCreateTime,
      steps: this.#steps,
      submission: ++this.#submissions,
    };
    this.#dirty.clear();
    this.#oldestReceivedAt = undefined;
    this.#oldestCreateTime = undefined;
    this.#steps = 0;
    this.#inFlight++;
    void this.#commit(covered, info);
  }

  async #commit(covered: Covered, info: CommitInfo): Promise<void> {
    const earlier = this.#reported;
    let reported!: () => void;
    this.#reported = new Promise((resolve) => (reported = resolve));
    try {
      await this.#o.commit(() => targetsOf(this.#o.replica, covered));
      // A command that found nothing left to change resolves at once, while an earlier one may still be making that
      // state durable: commits are reported in submission order.
      await earlier;
      this.#o.committed(info);
    } catch (error) {
      this.#o.failed(error);
      if (!this.#closed) {
        // Covered again, still counted from when its steps were received.
        for (const [category, keys] of covered)
          this.#cover({ category, keys: keys === 'all' ? 'all' : [...keys], createTime: info.createTime });
        this.#oldestReceivedAt = Math.min(this.#oldestReceivedAt ?? Infinity, info.receivedAt);
        this.#steps += info.steps;
        if (!this.#pausing) {
          this.#pausing = true;
          this.#o.schedule(() => {
            this.#pausing = false;
            this.#kick();
          }, this.#o.retryMs);
        }
      }
    } finally {
      // A failed command is reported too (as failed) only after the ones before it, so the order holds for the next.
      void earlier.then(reported);
      this.#inFlight--;
    }
    this.#kick();
    if (!this.pending || this.#closed) this.#release();
  }

  #release(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const resolve of waiters) resolve();
  }
}

/** The upstream state of what a command covers, as of now (a category not in sync upstream is left out). */
function targetsOf(replica: MeetingReplica, covered: Covered): MirrorTarget[] {
  const targets: MirrorTarget[] = [];
  for (const [category, keys] of covered) {
    const stream = replica.stream(category);
    if (!stream.synced) continue;
    if (keys === 'all') {
      targets.push({ category, payload: stream.snapshot() });
      continue;
    }
    const payload = [];
    for (const key of keys) {
      const item = stream.items.get(key);
      if (item) payload.push(item);
    }
    targets.push({ category, payload, keys: [...keys] });
  }
  return targets;
}
