/**
 * The seam for sources: everything that feeds meetings from outside the Huawei control API — the media-plane API,
 * the simulated media plane, a bridge from a real SFU, a relay of Huawei Cloud Meeting — and everything that reads
 * committed changes to send them somewhere else (webhooks).
 *
 * A source is given a `SourcePort` when the node starts. It changes meetings only by submitting commands through
 * `port.execute` (decided, committed and pushed by the engine exactly like a REST control call: durable before
 * visible, gap-free per stream, cluster-safe), reads committed state through `port.read`, and sees every committed
 * change through `port.observe`. It may add HTTP routes (a Fastify plugin) and report readiness and status. Adding a
 * source touches no route, engine or gateway file: the node's `sources` option (node.ts) is the only place that
 * knows the list.
 */
import type { FastifyPluginAsync } from 'fastify';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { Clock } from '../clock.js';
import type { AttendeeInput } from '../domain/attendees.js';
import type { Command } from '../domain/commands.js';
import type { MeetingRecord, MeetingState } from '../domain/meeting.js';
import type { CommitExtension } from '../engine/commit-extension.js';
import type { EngineListener } from '../engine/engine.js';

/** What a source is given by the node. */
export interface SourcePort {
  readonly logger: Logger;
  readonly clock: Clock;
  /** This node among the nodes of a cluster (new at every start). */
  readonly nodeId: string;
  /** The node's Prometheus registry (`/metrics`): a source adds its own series to it. */
  readonly registry: Registry;
  /**
   * Decides and commits one command on one meeting; resolves with the meeting's state once the change is durable
   * and visible to subscribers. Rejects with a `DomainError` (e.g. CONF_NOT_EXIST, PARTICIPANT_NOT_FOUND) and then
   * changed nothing.
   */
  execute(conferenceId: string, command: Command): Promise<MeetingState>;
  /** Creates a meeting from a management record (e.g. a meeting mirrored from elsewhere). */
  createMeeting(record: MeetingRecord, attendees: readonly AttendeeInput[]): Promise<MeetingState>;
  /** The meeting's committed state, or undefined when there is no such meeting. */
  read(conferenceId: string): Promise<MeetingState | undefined>;
  /**
   * Every committed change, in commit order, synchronously after it became durable. `remote: false` limits it to
   * this node's own commits (a source that acts on what it was asked to do, once per cluster). Returns the
   * function that stops observing.
   */
  observe(observer: CommitObserver, options?: { remote?: boolean }): () => void;
}

/** Observes committed changes (the engine's listener contract). */
export type CommitObserver = EngineListener;

/** The state a source reports for `/readyz` and its status endpoint. */
export interface SourceHealth {
  /** False makes the node not ready (`/readyz` answers 503 naming the source). */
  ready: boolean;
  /** Why it is not ready, in one line (`/readyz` names it); absent when ready. */
  reason?: string;
  /** Anything worth showing an operator (connection states, lag, counters); JSON-serialisable. */
  detail?: unknown;
}

/**
 * A socket `ConfControl` request that changes a meeting (e.g. `REALTIMESUBTITLE`), already checked against the
 * caller's control token. `data` is the frame's data without `conferenceID` and `confToken`.
 */
export interface ConfControlRequest {
  conferenceID: string;
  type: string;
  data: Readonly<Record<string, unknown>>;
}

/** The answer to a forwarded `ConfControl`: the reply's `data` fields (`returnCode` 0 is success). */
export interface ConfControlAnswer {
  returnCode: number;
  returnDesc: string;
  message?: string;
}

export interface Source {
  /** Short unique name, used in logs, metrics and `/readyz` (e.g. `media`, `janus`, `upstream`). */
  readonly name: string;
  /** HTTP routes the source adds, registered with the node's API before it listens. */
  readonly routes?: FastifyPluginAsync;
  /** A sink's messages committed with each change, durable before the change is visible (an outbox). */
  readonly commitExtension?: CommitExtension;
  /** Called once the engine is up and before the node listens; the source may start its own work here. */
  start(port: SourcePort): Promise<void>;
  health?(): SourceHealth;
  /**
   * Takes a socket `ConfControl` request of a meeting this source owns (a relay forwards it upstream) and answers
   * it; resolves undefined for a meeting it does not own, which the node then decides itself.
   */
  confControl?(request: ConfControlRequest): Promise<ConfControlAnswer | undefined>;
  /** Stops the source's work; called before the engine drains at shutdown. */
  stop(): Promise<void>;
}
