/** The embedded store: one SQLite file under the data directory, made of three parts sharing one connection. */
import type { PushCategory } from '@confpush/protocol';
import type { BrokerEntry } from '../broker/broker.js';
import type { MeetingRecord } from '../domain/meeting.js';
import { openDb, type Db } from './sqlite-db.js';
import { SqliteIdentityStore } from './sqlite-identity.js';
import { SqliteMeetingStore } from './sqlite-meetings.js';
import { SqliteTokenStore } from './sqlite-tokens.js';
import type {
  AccessToken,
  App,
  CommitEntry,
  CommitResult,
  ConfToken,
  Corp,
  LogEntry,
  MeetingFilter,
  MeetingRevision,
  MeetingSnapshot,
  SharedMeetingStore,
  Store,
  StoredStream,
  User,
  WsToken,
} from './types.js';

export interface SqliteStoreOptions {
  dataDir: string;
  syncMode: 'full' | 'normal';
  logRetention: number;
  /** A new stream epoch (when a meeting's streams are restarted). */
  newEpoch: () => string;
  /** Receives every committed entry once durable (the in-memory broker of a one-node cluster). */
  publish?: ((entry: BrokerEntry) => void) | undefined;
  memory?: boolean;
}

export class SqliteStore implements Store, SharedMeetingStore {
  readonly db: Db;
  readonly #identity: SqliteIdentityStore;
  readonly #tokens: SqliteTokenStore;
  readonly #meetings: SqliteMeetingStore;

  constructor(options: SqliteStoreOptions) {
    this.db = openDb(options);
    this.#identity = new SqliteIdentityStore(this.db);
    this.#tokens = new SqliteTokenStore(this.db);
    this.#meetings = new SqliteMeetingStore(this.db, options);
  }

  getCorp = (corpId: string): Promise<Corp | undefined> => this.#identity.getCorp(corpId);
  putCorp = (corp: Corp): Promise<void> => this.#identity.putCorp(corp);
  getApp = (appId: string): Promise<App | undefined> => this.#identity.getApp(appId);
  putApp = (app: App): Promise<void> => this.#identity.putApp(app);
  getUser = (userId: string): Promise<User | undefined> => this.#identity.getUser(userId);
  findUserByAccount = (account: string): Promise<User | undefined> =>
    this.#identity.findUserByAccount(account);
  findUserByThirdAccount = (corpId: string, appId: string, third: string): Promise<User | undefined> =>
    this.#identity.findUserByThirdAccount(corpId, appId, third);
  putUser = (user: User): Promise<void> => this.#identity.putUser(user);
  useNonce = (appId: string, nonce: string, expiresAt: number, now: number): Promise<boolean> =>
    this.#identity.useNonce(appId, nonce, expiresAt, now);
  putAccessToken = (token: AccessToken, maxPerUser: number): Promise<void> =>
    this.#identity.putAccessToken(token, maxPerUser);
  getAccessToken = (token: string): Promise<AccessToken | undefined> => this.#identity.getAccessToken(token);
  updateAccessToken = (token: AccessToken): Promise<void> => this.#identity.updateAccessToken(token);
  deleteAccessToken = (token: string): Promise<void> => this.#identity.deleteAccessToken(token);

  putConfToken = (token: ConfToken): Promise<void> => this.#tokens.putConfToken(token);
  getConfToken = (token: string): Promise<ConfToken | undefined> => this.#tokens.getConfToken(token);
  updateConfToken = (token: ConfToken): Promise<void> => this.#tokens.updateConfToken(token);
  deleteConfTokens = (confId: string): Promise<void> => this.#tokens.deleteConfTokens(confId);
  putWsToken = (token: WsToken): Promise<void> => this.#tokens.putWsToken(token);
  consumeWsToken = (token: string): Promise<WsToken | undefined> => this.#tokens.consumeWsToken(token);

  getMeeting = (confId: string): Promise<MeetingRecord | undefined> => this.#meetings.getMeeting(confId);
  listMeetings = (filter: MeetingFilter): Promise<MeetingRecord[]> => this.#meetings.listMeetings(filter);
  loadStreams = (confId: string): Promise<StoredStream[]> => this.#meetings.loadStreams(confId);
  readLog = (confId: string, category: PushCategory, from: number, to: number): Promise<LogEntry[]> =>
    this.#meetings.readLog(confId, category, from, to);
  commit = (entries: readonly CommitEntry[]): Promise<CommitResult[]> => this.#meetings.commit(entries);
  incarnation = (): Promise<string> => this.#meetings.incarnation();
  revision = (confId: string): Promise<MeetingRevision | undefined> => this.#meetings.revision(confId);
  snapshot = (confId: string, logDepth: number): Promise<MeetingSnapshot | undefined> =>
    this.#meetings.snapshot(confId, logDepth);
  renewEpochs = (confId: string, options: { nodeId: string; id: string; force: boolean }): Promise<boolean> =>
    this.#meetings.renewEpochs(confId, options);

  /** Housekeeping: drops expired WebSocket, control and access tokens. */
  purgeExpired(now: number): void {
    this.#tokens.purgeExpired(now);
    this.#identity.purgeExpired(now);
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }
}
