/** What the parts of the cluster sync share: the node, its store and broker, time, and the engine's meetings. */
import type { PushCategory } from '@confpush/protocol';
import type { Logger } from 'pino';
import type { Broker } from '../../broker/broker.js';
import type { Clock } from '../../clock.js';
import type { MeetingRecord } from '../../domain/meeting.js';
import type { SharedMeetingStore } from '../../store/types.js';
import type { RecentChange } from '../recent.js';
import type { MeetingRuntime } from '../runtime.js';

/** What the cluster part needs of the engine. */
export interface ClusterHost {
  readonly runtimes: Map<string, MeetingRuntime>;
  readonly recentCapacity: number;
  /** Hands committed changes to the listeners that take remote changes (the hub), in commit order. */
  emit(runtime: MeetingRuntime, changes: readonly RecentChange[], record: MeetingRecord | undefined): void;
  /** These streams restarted (new epoch, or history no longer held): subscribers need full messages. */
  reset(runtime: MeetingRuntime, categories: readonly PushCategory[]): void;
  /** The meeting no longer exists in the store (it lost its data). */
  lost(runtime: MeetingRuntime): void;
}

export interface ClusterOptions {
  store: SharedMeetingStore;
  broker: Broker;
  nodeId: string;
  clock: Clock;
  logger: Logger;
  /** Whether something on this node still uses the meeting (its subscribers); idle meetings are unloaded. */
  inUse?: (confId: string) => boolean;
}

export interface ClusterContext {
  readonly nodeId: string;
  readonly store: SharedMeetingStore;
  readonly broker: Broker;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly host: ClusterHost;
  /** Set once the cluster sync is closed: timers and broker callbacks then do nothing. */
  closed: boolean;
  /** A new entry id, unique across the cluster (`<nodeId>.<counter>`). */
  newEntryId(): string;
  /** Whether `runtime` is still the one this node holds for its meeting (not unloaded or replaced). */
  holds(runtime: MeetingRuntime): boolean;
  /** Brings a meeting back in step with the store (`resync.ts`). */
  resync(runtime: MeetingRuntime): Promise<void>;
  /** Applies the buffered remote entries that continue the committed state (`ordering.ts`). */
  drain(runtime: MeetingRuntime): void;
}
