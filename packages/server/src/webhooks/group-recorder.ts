/**
 * Records the outcomes of webhook attempts in group commits: the operations queued during `everyMs` are applied
 * in one store step (on SQLite one transaction, which holds the delivery thread's event loop and the file's lock),
 * in the order they were queued, one step at a time. Nobody waits for a step: an outcome is acted upon as soon as
 * it is known, and a crash before its step makes the attempt again (at least once, same X-Request-ID).
 */
import type { Logger } from 'pino';
import type { SinkOp, SinkStore } from '../store/outbox.js';

export class GroupRecorder {
  #queued: SinkOp[] = [];
  #timer: NodeJS.Timeout | undefined;
  #applying: Promise<void> | undefined;
  #closed = false;

  constructor(
    private readonly store: SinkStore,
    private readonly logger: Logger,
    /** At most one step every this many ms. */
    private readonly everyMs = 10,
  ) {}

  record(ops: readonly SinkOp[]): void {
    if (this.#closed) return; // an attempt that ends after close() is made again by the next lease holder
    this.#queued.push(...ops);
    if (this.#timer || this.#applying || this.#queued.length === 0) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      void this.flush();
    }, this.everyMs);
  }

  /** Applies everything queued so far (and what is queued meanwhile); a failed step is retried with the next. */
  async flush(): Promise<void> {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    while (this.#applying) await this.#applying;
    if (this.#queued.length === 0) return;
    const ops = this.#queued;
    this.#queued = [];
    this.#applying = this.store.apply(ops, { replayable: true }).then(
      () => undefined,
      (err: unknown) => {
        this.#queued = ops.concat(this.#queued);
        this.logger.warn({ err }, 'webhook outcomes could not be recorded; retrying');
      },
    );
    await this.#applying;
    this.#applying = undefined;
    if (!this.#closed) this.record([]);
  }

  /** Applies what is queued and takes no more. */
  async close(): Promise<void> {
    this.#closed = true;
    await this.flush();
  }
}
