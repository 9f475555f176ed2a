/**
 * The cluster store: every node of a cluster keeps its meetings, tokens and identities in one Redis (see
 * `redis-keys.ts` for the key layout and `redis/*.lua` for the scripts). Made of three parts sharing one
 * connection, symmetric to `SqliteStore`.
 */
import type { PushCategory } from '@confpush/protocol';
import type { Logger } from 'pino';
import { systemClock, type Clock } from '../clock.js';
import type { MeetingRecord } from '../domain/meeting.js';
import { RedisDb } from './redis-db.js';
import { RedisIdentityStore } from './redis-identity.js';
import { RedisMeetingStore } from './redis-meetings.js';
import { RedisTokenStore } from './redis-tokens.js';
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

export interface RedisStoreOptions {
  /** `redis://[user:password@]host:port[/db]` (or `rediss://` for TLS). */
  url: string;
  /** Prefix of every key (setting `redisPrefix`). */
  prefix: string;
  /** Incrementals kept per stream for resume. */
  logRetention: number;
  /** New stream epochs (when a meeting's epochs are renewed). */
  newEpoch: () => string;
  /** The clock that token expiry times come from (key lifetimes are computed with it). */
  clock?: Clock;
  logger?: Logger | undefined;
}

export class RedisStore implements Store, SharedMeetingStore {
  readonly db: RedisDb;
  readonly #identity: RedisIdentityStore;
  readonly #tokens: RedisTokenStore;
  readonly #meetings: RedisMeetingStore;

  constructor(options: RedisStoreOptions) {
    const clock = options.clock ?? systemClock;
    this.db = new RedisDb({ url: options.url, prefix: options.prefix, logger: options.logger });
    this.#identity = new RedisIdentityStore(this.db, clock);
    this.#tokens = new RedisTokenStore(this.db, clock);
    this.#meetings = new RedisMeetingStore(this.db, {
      logRetention: options.logRetention,
      newEpoch: options.newEpoch,
    });
  }

  /** Connects, loads the scripts, reads the incarnation and logs what Redis does about durability. */
  async open(): Promise<void> {
    await this.db.open();
    await this.db.checkDurability();
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

  onIncarnationChange(handler: () => void): void {
    this.db.onIncarnationChange(() => handler());
  }

  /** Nothing to do: every token key expires by itself. */
  purgeExpired(): void {}

  async close(): Promise<void> {
    await this.db.close();
  }
}
