/**
 * The store contract. Each backend (SQLite now, Redis for cluster mode) implements these interfaces in its own
 * files, and one conformance suite runs against each.
 *
 * Every method is async so that a networked backend fits the same shape. Atomicity rules:
 * - `commit` writes all of its entries in one transaction: either every meeting record, stream item, sequence
 *   and log entry of the batch is durable, or none is. It resolves only once the data is durable.
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

/** Everything one command changed in one meeting. */
export interface CommitEntry {
  confId: string;
  /** The meeting record after the command, when the command changed it (or created the meeting). */
  record?: MeetingRecord;
  /** When the command created the meeting: the initial state of every stream (seq 0). */
  created?: MeetingState;
  writes: StreamWrite[];
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
  commit(entries: readonly CommitEntry[]): Promise<void>;
}

export interface Store extends IdentityStore, TokenStore, MeetingStore {
  close(): Promise<void>;
}
