/** Where a loaded meeting stands in the store's history on this node, and the refusal of a stale entry. */
import type { BrokerEntry } from '../broker/broker.js';
import type { TimerHandle } from '../clock.js';
import type { CommitResult } from '../store/types.js';

/** An entry the store refused because the meeting moved on: nothing of it was written; decide it again. */
export class StaleEntryError extends Error {
  constructor(readonly result: Extract<CommitResult, { ok: false }>) {
    super(`the meeting changed concurrently (${result.reason})`);
    this.name = 'StaleEntryError';
  }
}

/** Where a loaded meeting stands in the store's history, on this node. */
export class ClusterPosition {
  /** The committed state is at this revision and head. */
  rev: number;
  head: string;
  /** The working state is at this revision and head (committed plus the local entries in flight). */
  workingRev: number;
  workingHead: string;
  /** Local entries staged and not yet answered by the store. */
  inflight = 0;
  /** The working state is not committed + in-flight entries any more (a remote entry came in between). */
  stale = false;
  /** The store is known to be at least at this revision (from a refused entry or a freshness check). */
  minRev = 0;
  /** Remote entries ahead of `rev`, by revision. */
  readonly buffer = new Map<number, BrokerEntry>();
  gapTimer: TimerHandle | undefined;
  resyncing: Promise<void> | undefined;
  /** Called whenever the position or `inflight` changes. */
  readonly watchers = new Set<() => void>();
  /** When a command or a load last used the meeting on this node (idle meetings are unloaded). */
  lastUsed = 0;

  constructor(rev: number, head: string) {
    this.rev = rev;
    this.head = head;
    this.workingRev = rev;
    this.workingHead = head;
  }

  notify(): void {
    for (const watcher of [...this.watchers]) watcher();
  }
}
