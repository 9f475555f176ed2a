/** The states, events and counters of a `PushConnection`, and what each close code means. */
import { CLOSE_CODES, type CloseCodeSpec, type PushCategory } from '@confpush/protocol';
import type { MeetingChange } from './changes.js';
import type { RebuildReason } from './sync.js';

export type ConnectionState = 'idle' | 'connecting' | 'subscribing' | 'live' | 'reconnecting' | 'closed';

/** The legal moves of the state machine (see the diagram in connection.ts). */
export const TRANSITIONS: Readonly<Record<ConnectionState, readonly ConnectionState[]>> = {
  idle: ['connecting', 'closed'],
  connecting: ['subscribing', 'reconnecting', 'closed'],
  subscribing: ['live', 'reconnecting', 'closed'],
  live: ['reconnecting', 'closed'],
  reconnecting: ['connecting', 'closed'],
  closed: [],
};

export interface ConnectionEvents {
  state: [change: { oldState: ConnectionState; newState: ConnectionState }];
  /** Every frame received, as parsed JSON. */
  frame: [frame: Record<string, unknown>];
  change: [change: MeetingChange];
  /** A full message replaced the state of a category (the first state, or continuity was lost). */
  rebuilt: [category: PushCategory, reason: RebuildReason];
  /** After a reconnect the server replayed the missing incrementals `from + 1 … to` of a category. */
  resumed: [category: PushCategory, from: number, to: number];
  /** `fatal` errors end the connection (a `closed` event follows); others are followed by a reconnect. */
  error: [error: Error, fatal: boolean];
  /** The connection ended for good (see `PushConnection` docs for `code`). */
  closed: [code: number, reason: string];
}

export interface ConnectionStats {
  /** Sockets opened (attempted). */
  connects: number;
  reconnects: number;
  framesReceived: number;
  /** Incrementals whose `version` skipped numbers (each led to a resume or a rebuild). */
  gaps: number;
  /** Incrementals already applied (ignored). */
  duplicates: number;
  rebuilds: number;
  resumes: number;
  heartbeatsSent: number;
  /** Control tokens obtained with the password. */
  controlTokens: number;
  /** Successful control-token keep-alive calls. */
  keepAlives: number;
}

/** The counters a connection keeps itself (the token chain keeps the others). */
export type SocketStats = Omit<ConnectionStats, 'controlTokens' | 'keepAlives'>;

export function emptySocketStats(): SocketStats {
  return {
    connects: 0,
    reconnects: 0,
    framesReceived: 0,
    gaps: 0,
    duplicates: 0,
    rebuilds: 0,
    resumes: 0,
    heartbeatsSent: 0,
  };
}

const CLOSE_BY_CODE = new Map<number, CloseCodeSpec>(
  Object.values(CLOSE_CODES).map((spec) => [spec.code, spec]),
);

/** The documented close code `code` (undefined for one the protocol does not define). */
export function closeCodeSpec(code: number): CloseCodeSpec | undefined {
  return CLOSE_BY_CODE.get(code);
}
