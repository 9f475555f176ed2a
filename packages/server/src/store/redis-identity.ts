/** Enterprises, apps, users, access tokens and nonces in Redis (key layout: `redis-keys.ts`). */
import type { Clock } from '../clock.js';
import { ACCESS_TOKEN_GRACE_MS } from './policy.js';
import type { RedisDb } from './redis-db.js';
import { getJson, keyLifetime, updateJson } from './redis-json.js';
import type { AccessToken, App, Corp, IdentityStore, User } from './types.js';

type Hash = Record<string, string>;

const str = (h: Hash, k: string): string => h[k] ?? '';
const opt = (h: Hash, k: string): string | null => h[k] ?? null;
const num = (h: Hash, k: string): number => Number(h[k] ?? 0);

const toCorp = (h: Hash): Corp => ({
  corpId: str(h, 'corpId'),
  spId: opt(h, 'spId'),
  name: str(h, 'name'),
  createdAt: num(h, 'createdAt'),
});

const toApp = (h: Hash): App => ({
  appId: str(h, 'appId'),
  appKey: str(h, 'appKey'),
  kind: h['kind'] === 'sp' ? 'sp' : 'enterprise',
  corpId: opt(h, 'corpId'),
  spId: opt(h, 'spId'),
  createdAt: num(h, 'createdAt'),
});

const toUser = (h: Hash): User => ({
  userId: str(h, 'userId'),
  corpId: str(h, 'corpId'),
  account: opt(h, 'account'),
  thirdAccount: opt(h, 'thirdAccount'),
  appId: opt(h, 'appId'),
  passwordHash: opt(h, 'passwordHash'),
  name: str(h, 'name'),
  email: opt(h, 'email'),
  phone: opt(h, 'phone'),
  sipNumber: str(h, 'sipNumber'),
  userType: num(h, 'userType'),
  adminType: num(h, 'adminType'),
  createdAt: num(h, 'createdAt'),
});

/** The fields of a user set only when it is created (the SQLite store's upsert leaves them as they are). */
const USER_CREATE_ONLY = ['userId', 'corpId', 'thirdAccount', 'appId', 'sipNumber', 'createdAt'] as const;
const USER_UPDATABLE = [
  'account',
  'passwordHash',
  'name',
  'email',
  'phone',
  'userType',
  'adminType',
] as const;

/** Field/value pairs of `record` (null and undefined fields left out) and the names of its null fields. */
function fieldsOf<T extends object>(record: T, names: readonly (keyof T & string)[]) {
  const pairs: string[] = [];
  const nulls: string[] = [];
  for (const name of names) {
    const value = record[name];
    if (value === null || value === undefined) nulls.push(name);
    else pairs.push(name, String(value));
  }
  return { pairs, nulls };
}

export class RedisIdentityStore implements IdentityStore {
  readonly #db: RedisDb;
  readonly #clock: Clock;

  constructor(db: RedisDb, clock: Clock) {
    this.#db = db;
    this.#clock = clock;
  }

  async getCorp(corpId: string): Promise<Corp | undefined> {
    const h = await this.#db.redis.hgetall(this.#db.keys.corp(corpId));
    return h['corpId'] === undefined ? undefined : toCorp(h);
  }

  /** Upsert: everything but `createdAt` follows `corp`. */
  async putCorp(corp: Corp): Promise<void> {
    await this.#upsert(this.#db.keys.corp(corp.corpId), corp, ['corpId', 'spId', 'name']);
  }

  async getApp(appId: string): Promise<App | undefined> {
    const h = await this.#db.redis.hgetall(this.#db.keys.app(appId));
    return h['appId'] === undefined ? undefined : toApp(h);
  }

  async putApp(app: App): Promise<void> {
    await this.#upsert(this.#db.keys.app(app.appId), app, ['appId', 'appKey', 'kind', 'corpId', 'spId']);
  }

  /** Writes the `names` fields of `record` into the hash at `key` (null ones removed); `createdAt` only once. */
  async #upsert<T extends { createdAt: number }>(
    key: string,
    record: T,
    names: readonly (keyof T & string)[],
  ): Promise<void> {
    const { pairs, nulls } = fieldsOf(record, names);
    const tx = this.#db.redis.multi().hset(key, ...pairs);
    if (nulls.length > 0) tx.hdel(key, ...nulls);
    await tx.hsetnx(key, 'createdAt', String(record.createdAt)).exec();
  }

  async getUser(userId: string): Promise<User | undefined> {
    const h = await this.#db.redis.hgetall(this.#db.keys.user(userId));
    return h['userId'] === undefined ? undefined : toUser(h);
  }

  async findUserByAccount(account: string): Promise<User | undefined> {
    const userId = await this.#db.redis.get(this.#db.keys.account(account));
    const user = userId === null ? undefined : await this.getUser(userId);
    return user?.account === account ? user : undefined;
  }

  async findUserByThirdAccount(
    corpId: string,
    appId: string,
    thirdAccount: string,
  ): Promise<User | undefined> {
    const userId = await this.#db.redis.get(this.#db.keys.third(corpId, appId, thirdAccount));
    return userId === null ? undefined : this.getUser(userId);
  }

  /** Insert, or update the changeable fields; refuses (throws) an account or third account of another user. */
  async putUser(user: User): Promise<void> {
    const keys = this.#db.keys;
    const userKey = keys.user(user.userId);
    const create = fieldsOf(user, USER_CREATE_ONLY);
    const update = fieldsOf(user, USER_UPDATABLE);
    const third =
      user.thirdAccount !== null && user.appId !== null
        ? keys.third(user.corpId, user.appId, user.thirdAccount)
        : undefined;
    await this.#db.scripts['put-user'](
      3,
      userKey,
      user.account !== null ? keys.account(user.account) : userKey,
      third ?? userKey,
      keys.prefix,
      user.userId,
      user.account ?? '',
      third ? '1' : '0',
      create.pairs.length / 2,
      ...create.pairs,
      update.pairs.length / 2,
      ...update.pairs,
      update.nulls.length,
      ...update.nulls,
    );
  }

  async useNonce(appId: string, nonce: string, expiresAt: number, now: number): Promise<boolean> {
    const ttl = expiresAt - now;
    if (ttl <= 0) return true; // recorded by the SQLite store too, but already expired: it blocks nothing
    const set = await this.#db.redis.set(this.#db.keys.nonce(appId, nonce), '1', 'PX', ttl, 'NX');
    return set === 'OK';
  }

  async putAccessToken(token: AccessToken, maxPerUser: number): Promise<void> {
    const keys = this.#db.keys;
    await this.#db.scripts['put-access-token'](
      3,
      keys.accessToken(token.token),
      keys.accessTokensOf(token.userId, token.clientType),
      keys.accessTokenSeq(),
      token.token,
      JSON.stringify(token),
      this.#lifetime(token),
      maxPerUser,
      keys.prefix,
    );
  }

  async getAccessToken(token: string): Promise<AccessToken | undefined> {
    return getJson<AccessToken>(this.#db, this.#db.keys.accessToken(token));
  }

  /** Updates the lifetimes and the refresh token of a stored token (nothing when it is gone). */
  async updateAccessToken(token: AccessToken): Promise<void> {
    const { expiresAt, refreshToken, refreshExpiresAt } = token;
    await updateJson<AccessToken>(
      this.#db,
      this.#db.keys.accessToken(token.token),
      (held) => ({ ...held, expiresAt, refreshToken, refreshExpiresAt }),
      (updated) => this.#lifetime(updated),
    );
  }

  async deleteAccessToken(token: string): Promise<void> {
    const held = await this.getAccessToken(token);
    const tx = this.#db.redis.multi().del(this.#db.keys.accessToken(token));
    if (held) tx.zrem(this.#db.keys.accessTokensOf(held.userId, held.clientType), token);
    await tx.exec();
  }

  /** How long the token's key lives: until both lifetimes are over (as the caller's clock says), plus a grace. */
  #lifetime(token: AccessToken): number {
    const end = Math.max(token.expiresAt, token.refreshExpiresAt);
    return keyLifetime(this.#clock, end, ACCESS_TOKEN_GRACE_MS);
  }
}
