/**
 * Cluster mode of the engine: several nodes write the same meetings through one shared store, and each node keeps
 * the meetings it serves in memory, in step with the store. A one-node cluster (the embedded SQLite store with its
 * in-memory broker) takes the same path.
 *
 *   local change:  decide on `working` ─► stage (position: base = working head, rev + 1) ─► commit script
 *                  ─► ok: committed state, listeners          ─► conflict: wait until caught up, decide again
 *   remote change: broker ─► buffer by rev ─► in rev order (each naming the previous head): committed state,
 *                  then `working` (when no local change is in flight), then the listeners (the hub)
 *   gap, lost connection, other store incarnation: resync ─► read the meeting in one atomic snapshot
 *                  ─► per stream: the missed incrementals from the log, or a full message (new epoch, trimmed log)
 *
 * A meeting's revision `rev` counts its committed entries; `head` is the id of the newest. Every entry names the
 * head it was decided on, and the store refuses it when another entry got there first, so two nodes changing one
 * meeting at once still produce one order and neither decides on a state that never existed.
 *
 * One module per concern: `loading.ts`, `local.ts` (this node's entries), `ordering.ts` (other nodes' entries and
 * gap detection), `catch-up.ts`, `resync.ts`, `idle.ts` (idle unload). This one wires them together.
 */
import { CatchUp } from './catch-up.js';
import type { ClusterContext, ClusterHost, ClusterOptions } from './context.js';
import { IdleUnload } from './idle.js';
import { MeetingLoader } from './loading.js';
import { LocalEntries } from './local.js';
import { RemoteEntries } from './ordering.js';
import { Resyncer } from './resync.js';

export type { ClusterHost, ClusterOptions } from './context.js';

export class ClusterSync {
  readonly nodeId: string;
  readonly loader: MeetingLoader;
  readonly local: LocalEntries;
  readonly catchUp: CatchUp;
  readonly #ctx: ClusterContext;
  readonly #remote: RemoteEntries;
  readonly #resyncer: Resyncer;
  readonly #idle: IdleUnload;

  constructor(options: ClusterOptions, host: ClusterHost) {
    this.nodeId = options.nodeId;
    let entryCount = 0;
    this.#ctx = {
      nodeId: options.nodeId,
      store: options.store,
      broker: options.broker,
      clock: options.clock,
      logger: options.logger.child({ component: 'cluster', nodeId: options.nodeId }),
      host,
      closed: false,
      newEntryId: () => `${options.nodeId}.${(++entryCount).toString(36)}`,
      holds: (runtime) => host.runtimes.get(runtime.confId) === runtime,
      resync: (runtime) => this.#resyncer.resync(runtime),
      drain: (runtime) => this.#remote.drain(runtime),
    };
    this.#remote = new RemoteEntries(this.#ctx);
    this.loader = new MeetingLoader(this.#ctx, (runtime, entry) => this.#remote.receive(runtime, entry));
    this.#resyncer = new Resyncer(this.#ctx, this.loader);
    this.local = new LocalEntries(this.#ctx);
    this.catchUp = new CatchUp(this.#ctx);
    options.broker.onReconnect(() => this.#resyncer.reconnected());
    this.#idle = new IdleUnload(this.#ctx, options.inUse, (confId) => this.loader.unload(confId));
  }

  async close(): Promise<void> {
    this.#ctx.closed = true;
    this.#idle.stop();
    for (const runtime of this.#ctx.host.runtimes.values()) {
      if (runtime.position.gapTimer) this.#ctx.clock.clearTimeout(runtime.position.gapTimer);
    }
    await this.#ctx.broker.close();
  }
}
