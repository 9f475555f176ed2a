/**
 * A loaded meeting: the committed state (what subscribers have been or may be shown) and the working state
 * (committed plus changes decided but not yet durable). Only the engine writes either.
 */
import type { PushCategory } from '@confpush/protocol';
import type { MeetingState } from '../domain/meeting.js';
import type { ClusterPosition } from './cluster.js';
import type { WireFrame } from '../hub/wire.js';
import { RecentLog } from './recent.js';

export class MeetingRuntime {
  /** Set when a commit of this meeting failed: its working state is no longer trusted and it is reloaded. */
  poisoned = false;
  /** Encoded full message per category, valid while the stream stays at `seq`. */
  readonly fullFrames = new Map<PushCategory, { seq: number; bytes: WireFrame }>();

  /** Recent committed changes per category, for resume. */
  readonly recent = new Map<PushCategory, RecentLog>();

  /** Cluster mode only: where the meeting stands in the shared store's history on this node. */
  cluster: ClusterPosition | undefined;

  constructor(
    readonly confId: string,
    public committed: MeetingState,
    public working: MeetingState,
    readonly recentCapacity: number,
  ) {}

  recentLog(category: PushCategory): RecentLog {
    let log = this.recent.get(category);
    if (!log) this.recent.set(category, (log = new RecentLog(this.recentCapacity)));
    return log;
  }
}
