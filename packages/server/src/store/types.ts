/**
 * The store contract: a `Store` is made of three parts (identity, tokens, meetings). Each backend (SQLite, Redis for
 * cluster mode) implements each part in a file of its own, and one conformance suite runs against each.
 *
 * Every method is async so that a networked backend fits the same shape. Atomicity rules:
 * - `commit` writes its entries and resolves with one result per entry, only once the data is durable. The
 *   embedded store writes the batch in one transaction (every entry, or none) and always answers `ok`. A store
 *   shared by several nodes (Redis) writes each entry atomically on its own and answers `conflict` for an entry
 *   whose meeting is no longer where the entry says it builds on (`position`): such an entry changed nothing.
 *   When `commit` throws, the outcome of each entry is unknown (the caller reloads the meetings involved).
 * - `consumeWsToken` removes and returns the token in one step: two callers can never both get it.
 * - `useNonce` records the nonce and reports whether it was unused, in one step.
 */
import type { PushCategory } from '@confpush/protocol';
import type { MeetingRecord, MeetingState } from '../domain/meeting.js';

export interface Corp {
  corpId: string;
  spId: string | null;
  name: string;
  createdAt: number;
}

export interface App {
  appId: string;
  appKey: string;
  /** `enterprise`: single-enterprise app bound to `corpId`; `sp`: multi-tenant app of `spId`. */
  kind: 'enterprise' | 'sp';
  corpId: string | null;
  spId: string | null;
  createdAt: number;
}

export interface User {
  userId: string;
  corpId: string;
  /** Huawei Cloud Meeting account name (account/password users). */
  account: string | null;
  /** Third-party user ID of an App ID user (`userId` in appauth). */
  thirdAccount: string | null;
  appId: string | null;
  /** scrypt hash `scrypt$N$r$p$salt$hash` (base64), for account/password users. */
  passwordHash: string | null;
  name: string;
  email: string | null;
  phone: string | null;
  /** SIP number bound to the user, e.g. `+99100000012345`. */
  sipNumber: string;
  /** 1 SP admin, 2 enterprise user, ... (Huawei `UserInfo.userType`). */
  userType: number;
  /** 0 default admin, 1 ordinary admin, 2 not an admin. */
  adminType: number;
  createdAt: number;
}

export interface AccessToken {
  token: string;
  userId: string;
  clientType: number;
  tokenIp: string;
  createdAt: number;
  expiresAt: number;
  refreshToken: string;
  refreshExpiresAt: number;
}

export interface ConfToken {
  token: string;
  confId: string;
  /** 1 host (chair password), 0 ordinary participant (guest password). */
  role: 0 | 1;
  createdAt: number;
  expiresAt: number;
}

export interface WsToken {
  token: string;
  confId: string;
  /** The meeting-control token the WebSocket token was obtained with. */
  confToken: string;
  expiresAt: number;
}

export interface IdentityStore {
  getCorp(corpId: string): Promise<Corp | undefined>;
  putCorp(corp: Corp): Promise<void>;
  getApp(appId: string): Promise<App | undefined>;
  putApp(app: App): Promise<void>;
  getUser(userId: string): Promise<User | undefined>;
  findUserByAccount(account: string): Promise<User | undefined>;
  findUserByThirdAccount(corpId: string, appId: string, thirdAccount: string): Promise<User | undefined>;
  putUser(user: User): Promise<void>;
  /** Records `nonce` for `appId` until `expiresAt`; false when it is already recorded and not yet expired. */
  useNonce(appId: string, nonce: string, expiresAt: number, now: number): Promise<boolean>;
  /** Stores a token; keeps at most `maxPerUser` tokens per (user, clientType) by deleting the oldest. */
  putAccessToken(token: AccessToken, maxPerUser: number): Promise<void>;
  getAccessToken(token: string): Promise<AccessToken | undefined>;
  updateAccessToken(token: AccessToken): Promise<void>;
  deleteAccessToken(token: string): Promise<void>;
}

export interface TokenStore {
  putConfToken(token: ConfToken): Promise<void>;
  getConfToken(token: string): Promise<ConfToken | undefined>;
  updateConfToken(token: ConfToken): Promise<void>;
  /** Revokes every control token of a meeting (meeting ended, host password changed). */
  deleteConfTokens(confId: string): Promise<void>;
  putWsToken(token: WsToken): Promise<void>;
  /** Removes the token and returns it, if it exists (expired or not); single use is enforced here. */
  consumeWsToken(token: string): Promise<WsToken | undefined>;
}

/** One stream as stored: its position and its current items (ordered as they were first inserted). */
export interface StoredStream {
  category: PushCategory;
  epoch: string;
  seq: number;
  /** list categories: one entry per item; object/value categories: one entry with key ''. */
  items: { key: string; value: unknown }[];
}

/** The durable effect of one change to one stream. */
export interface StreamWrite {
  category: PushCategory;
  epoch: string;
  /** The stream's new sequence number (previous + 1). */
  seq: number;
  createdAt: number;
  /** The incremental payload (what the incremental frame carries), kept in the log for resume. */
  payload: unknown;
  /** Item rows to upsert (value) or delete (null). Object/value categories use key ''. */
  items: { key: string; value: unknown }[];
}

/**
 * Cluster mode: where an entry sits in its meeting's revision history. Every committed entry of a meeting gets the
 * next revision; `base` names the entry it was decided on (the meeting's head), so a store shared by several nodes
 * can refuse an entry decided on a state another node has meanwhile changed (optimistic concurrency).
 */
export interface EntryPosition {
  /** The node that decided the entry. */
  nodeId: string;
  /** Unique id of this entry (becomes the meeting's head). */
  id: string;
  /** The head the entry was decided on ('' when it creates the meeting). */
  base: string;
  /** The meeting revision this entry creates (the head's revision + 1; 1 for a creation). */
  rev: number;
}

/** Everything one command changed in one meeting. */
export interface CommitEntry {
  confId: string;
  /** Cluster mode only: the entry's place in the meeting's history (see `EntryPosition`). */
  position?: EntryPosition;
  /** The meeting record after the command, when the command changed it (or created the meeting). */
  record?: MeetingRecord;
  /** When the command created the meeting: the initial state of every stream (seq 0). */
  created?: MeetingState;
  writes: StreamWrite[];
  /** Messages for a sink (e.g. webhook events), written in the same atomic step as the entry (store/outbox.ts). */
  outbox?: OutboxMessage[];
}

/** One message of a sink's outbox: durable exactly when the entry that caused it is. */
export interface OutboxMessage {
  /** The sink's outbox (e.g. `webhooks`). */
  topic: string;
  body: string;
  at: number;
}

export interface LogEntry {
  seq: number;
  createdAt: number;
  payload: unknown;
}

export interface MeetingFilter {
  corpId: string;
  /** Only meetings of this owner; all of the enterprise when absent. */
  ownerId?: string;
  states: readonly string[];
}

export interface MeetingStore {
  getMeeting(confId: string): Promise<MeetingRecord | undefined>;
  listMeetings(filter: MeetingFilter): Promise<MeetingRecord[]>;
  loadStreams(confId: string): Promise<StoredStream[]>;
  /** Log entries with `fromSeq <= seq <= toSeq`, ascending; fewer when the log was trimmed. */
  readLog(confId: string, category: PushCategory, fromSeq: number, toSeq: number): Promise<LogEntry[]>;
  commit(entries: readonly CommitEntry[]): Promise<CommitResult[]>;
}

/**
 * The outcome of one entry of a `commit`. `conflict`: the meeting moved on (another node committed first, or it
 * does not exist / already exists); nothing of the entry was written. `rev` is the meeting's revision as the store
 * saw it, when known.
 */
export type CommitResult =
  | { ok: true }
  | { ok: false; conflict: true; reason: 'stale' | 'absent' | 'exists' | 'incarnation'; rev?: number };

/**
 * A store, made of its parts (each backend builds them on one connection): the node gives each service the part it
 * needs, and the engine the meetings.
 */
export interface Store {
  readonly identity: IdentityStore;
  readonly tokens: TokenStore;
  readonly meetings: SharedMeetingStore;
  /** Housekeeping: drops expired tokens (a store whose records expire by themselves may do nothing). */
  purgeExpired(now: number): void | Promise<void>;
  /** Called when the store's data may have lost continuity (another incarnation; Redis only). */
  onIncarnationChange?(handler: () => void): void;
  close(): Promise<void>;
}

/** Where a meeting stands in a shared store: its revision, head entry and the store incarnation it belongs to. */
export interface MeetingRevision {
  rev: number;
  head: string;
  /** The store incarnation (Redis `run_id`) under which the meeting's epochs were set. */
  incarnation: string;
}

/** One meeting read in one atomic step: record, streams with their items, and the newest log entries. */
export interface MeetingSnapshot extends MeetingRevision {
  record: MeetingRecord;
  streams: StoredStream[];
  /** Per category, the newest `logDepth` log entries (ascending, contiguous, ending at the stream's seq). */
  logs: Map<PushCategory, LogEntry[]>;
}

/**
 * A meeting store shared by several nodes (cluster mode). Besides `MeetingStore`, it reads a meeting atomically
 * with its revision, and restarts a meeting's streams under new epochs when the store's data may have lost
 * continuity (another incarnation: Redis restarted or failed over).
 */
export interface SharedMeetingStore extends MeetingStore {
  /** The incarnation of the store as currently connected (waits for a connection). */
  incarnation(): Promise<string>;
  revision(confId: string): Promise<MeetingRevision | undefined>;
  snapshot(confId: string, logDepth: number): Promise<MeetingSnapshot | undefined>;
  /**
   * Gives every stream of the meeting a new epoch (and drops its log) unless the meeting already belongs to the
   * current incarnation and `force` is false; advances the revision and publishes a reset. Resolves false when the
   * meeting does not exist.
   */
  renewEpochs(confId: string, options: { nodeId: string; id: string; force: boolean }): Promise<boolean>;
}
