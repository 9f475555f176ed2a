/**
 * The Janus bridge as a source (src/sources/source.ts): meetings in progress get a VideoRoom room on the Janus
 * server at `janusUrl`, browsers join through the join API, Janus's events become commands, host control calls act
 * on the room first, and after a restart of either side the meetings are reconciled with the rooms.
 */
import type { FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';
import type { Item } from '@confpush/protocol';
import type { AuthAttempts } from '../limits/auth-attempts.js';
import type { MeetingRecord } from '../domain/meeting.js';
import type { CommittedChange } from '../engine/engine.js';
import type { MeetingRuntime } from '../engine/runtime.js';
import type { Source, SourceHealth, SourcePort } from '../sources/source.js';
import type { Store } from '../store/types.js';
import { JanusClient } from './client.js';
import { registerJanusControl } from './control.js';
import { JanusEvents } from './events.js';
import { JanusIdentity } from './identity.js';
import { reconcileMeeting } from './reconcile.js';
import { Rooms } from './rooms.js';
import { registerJanusRoutes } from './routes.js';

export interface JanusSourceOptions {
  /** Janus's WebSocket API. */
  url: string;
  /** The VideoRoom `admin_key`. */
  adminKey: string;
  /** The Janus URL browsers use (answered by the join API). */
  publicUrl: string;
  /** Password of Janus's event handler (HTTP basic auth, user `janus`). */
  eventsSecret: string;
  store: Store;
  authAttempts: AuthAttempts;
}

export class JanusSource implements Source {
  readonly name = 'janus';
  readonly #options: JanusSourceOptions;
  readonly #identity: JanusIdentity;
  #port: SourcePort | undefined;
  #client: JanusClient | undefined;
  #rooms: Rooms | undefined;
  #events: JanusEvents | undefined;
  #stopObserving: (() => void)[] = [];
  /** Participants held in the waiting room whose token is allowed once they are admitted: `confId pid`. */
  readonly #waiting = new Set<string>();
  readonly #work = new Set<Promise<void>>();
  /** Meetings in progress this node has seen a change of: they get a room when Janus (re)connects. */
  readonly #wanted = new Set<string>();
  #reconciled = 0;

  constructor(options: JanusSourceOptions) {
    this.#options = options;
    // The key of everything derived (room secrets, participant IDs, tokens): the same on every node.
    this.#identity = new JanusIdentity(`${options.adminKey}\u0000${options.eventsSecret}`);
  }

  /** Whether the join call issued this participant ID (its participant is answered by joining the room). */
  issued(pid: string): boolean {
    return this.#identity.verify(pid) !== undefined;
  }

  readonly routes: FastifyPluginAsync = fp(async (app) => {
    const port = () => {
      if (!this.#port) throw new Error('the Janus source has not started');
      return this.#port;
    };
    const rooms = () => this.#rooms!;
    const events = () => this.#events!;
    registerJanusRoutes(app, {
      port,
      store: this.#options.store,
      authAttempts: this.#options.authAttempts,
      identity: this.#identity,
      rooms,
      events,
      publicUrl: this.#options.publicUrl,
      eventsSecret: this.#options.eventsSecret,
      waiting: (confId, pid) => this.#waiting.add(`${confId} ${pid}`),
    });
    registerJanusControl(app, {
      port,
      store: this.#options.store,
      identity: this.#identity,
      rooms,
      events,
    });
  });

  async start(port: SourcePort): Promise<void> {
    this.#port = port;
    const logger = port.logger;
    this.#client = new JanusClient({
      url: this.#options.url,
      logger,
      clock: port.clock,
      onConnected: () => this.#track(this.#reconcileAll()),
    });
    this.#rooms = new Rooms({
      client: this.#client,
      identity: this.#identity,
      adminKey: this.#options.adminKey,
      logger,
    });
    this.#events = new JanusEvents({ port, identity: this.#identity, rooms: this.#rooms, logger });
    // Rooms follow this node's own commits (one node acts on each change of a cluster).
    this.#stopObserving.push(
      port.observe(
        { onCommitted: (runtime, _changes, record) => this.#lifecycle(runtime, record) },
        { remote: false },
      ),
    );
    // Admissions from the waiting room may be committed by any node; the one that holds the participant allows it.
    this.#stopObserving.push(
      port.observe({ onCommitted: (runtime, changes) => this.#admitted(runtime.confId, changes) }),
    );
    await this.#client.start();
  }

  #lifecycle(runtime: MeetingRuntime, record: MeetingRecord | undefined): void {
    const confId = runtime.confId;
    const state = record?.state ?? runtime.committed.record.state;
    const rooms = this.#rooms!;
    if (state === 'Created' && /^[1-9]\d{0,14}$/.test(confId)) {
      this.#wanted.add(confId);
      // While Janus is away the room waits for the reconciliation that follows the reconnection.
      if (!rooms.known.has(confId) && this.#client!.connected) this.#track(rooms.ensure(confId));
    } else if (record && (state === 'Destroyed' || (state !== 'Created' && rooms.known.has(confId)))) {
      this.#wanted.delete(confId);
      this.#events!.forget(confId);
      if (this.#client!.connected) this.#track(rooms.destroy(confId));
    }
  }

  #admitted(confId: string, changes: readonly CommittedChange[]): void {
    if (this.#waiting.size === 0) return;
    for (const change of changes) {
      if (change.category !== 'ParticipantsNotify' || !Array.isArray(change.payload)) continue;
      for (const item of change.payload as Item[]) {
        const key = `${confId} ${String(item['pid'])}`;
        if (!this.#waiting.delete(key) || item['mode'] === 1) continue;
        const pid = String(item['pid']);
        this.#track(this.#rooms!.allow(confId, 'add', [this.#identity.token(pid)]));
      }
    }
  }

  /** Every meeting the bridge knows of, or Janus has a room for, is reconciled (after each connection). */
  async #reconcileAll(): Promise<void> {
    const rooms = this.#rooms!;
    const candidates = rooms.forget();
    for (const confId of this.#wanted) candidates.add(confId);
    for (const room of await rooms.list()) candidates.add(room);
    for (const confId of candidates) {
      try {
        await reconcileMeeting(
          {
            port: this.#port!,
            rooms,
            events: this.#events!,
            identity: this.#identity,
            logger: this.#port!.logger,
          },
          confId,
        );
        if ((await this.#port!.read(confId))?.record.state !== 'Created') this.#wanted.delete(confId);
      } catch (error) {
        this.#port!.logger.warn({ err: error, confId }, 'reconciliation with Janus failed');
      }
    }
    this.#reconciled += 1;
  }

  #track(work: Promise<void>): void {
    const p: Promise<void> = work
      .catch((error: unknown) => this.#port?.logger.warn({ err: error }, 'Janus bridge task failed'))
      .finally(() => this.#work.delete(p));
    this.#work.add(p);
  }

  /** Waits for every room request and event in flight (tests). */
  async settled(): Promise<void> {
    while (this.#work.size > 0) await Promise.all([...this.#work]);
    await this.#events?.settled();
  }

  /** How many times the meetings were reconciled with Janus (once per connection). */
  get reconciliations(): number {
    return this.#reconciled;
  }

  health(): SourceHealth {
    return {
      // A node stays ready while Janus is away: the push of every meeting goes on, the rooms come back with it.
      ready: true,
      detail: {
        connected: this.#client?.connected ?? false,
        connections: this.#client?.connections ?? 0,
        rooms: this.#rooms?.known.size ?? 0,
        events: this.#events?.counts ?? { events: 0, commands: 0, refused: 0 },
      },
    };
  }

  async stop(): Promise<void> {
    for (const stop of this.#stopObserving) stop();
    this.#stopObserving = [];
    await this.settled();
    await this.#client?.close();
  }
}
