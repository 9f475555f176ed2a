/**
 * Wakes the lease holder of a shared store (Redis) as soon as any node commits to the webhook outbox, instead of at
 * its next poll: it blocks on the outbox stream after the cursor (XREAD BLOCK on a connection of its own) and starts
 * a round when something arrives, then waits again from where that round left the cursor.
 */
import type { Logger } from 'pino';
import type { SinkStore } from '../store/outbox.js';

export interface OutboxWatch {
  store: SinkStore;
  topic: string;
  logger: Logger;
  /** While true, keep watching (this node holds the lease and runs). */
  active: () => boolean;
  /** The cursor as of the last round. */
  after: () => string;
  /** Runs a round; resolves when it is done. */
  wake: () => Promise<void>;
  /** The longest one wait blocks (then it starts again). */
  waitMs?: number;
  retryMs: number;
}

/** Watches until `active()` is false; false when the store cannot wait (SQLite: the only node nudges itself). */
export function watchOutbox(w: OutboxWatch): boolean {
  const wait = w.store.waitOutbox?.bind(w.store);
  if (!wait) return false;
  void (async () => {
    while (w.active()) {
      try {
        if (await wait(w.topic, w.after(), w.waitMs ?? 1_000)) await w.wake();
      } catch (err) {
        if (!w.active()) break;
        w.logger.warn({ err }, 'waiting on the webhook outbox failed; polling meanwhile');
        await new Promise((resolve) => setTimeout(resolve, w.retryMs));
      }
    }
  })();
  return true;
}
