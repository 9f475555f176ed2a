/** Meeting-control tokens and single-use WebSocket tokens in Redis (key layout: `redis-keys.ts`). */
import type { Clock } from '../clock.js';
import { CONF_TOKEN_GRACE_MS, WS_TOKEN_GRACE_MS } from './policy.js';
import type { RedisDb } from './redis-db.js';
import { getJson, keyLifetime, parsed, updateJson } from './redis-json.js';
import type { ConfToken, TokenStore, WsToken } from './types.js';

export class RedisTokenStore implements TokenStore {
  readonly #db: RedisDb;
  /** How long the key of a token expiring at `expiresAt` lives (the node's clock says how far that is). */
  readonly #ttl: (expiresAt: number, grace: number) => number;

  constructor(db: RedisDb, clock: Clock) {
    this.#db = db;
    this.#ttl = (expiresAt, grace) => keyLifetime(clock, expiresAt, grace);
  }

  async putConfToken(token: ConfToken): Promise<void> {
    const keys = this.#db.keys;
    await this.#db.redis
      .multi()
      .set(
        keys.confToken(token.token),
        JSON.stringify(token),
        'PX',
        this.#ttl(token.expiresAt, CONF_TOKEN_GRACE_MS),
      )
      .sadd(keys.confTokensOf(token.confId), token.token)
      .exec();
  }

  async getConfToken(token: string): Promise<ConfToken | undefined> {
    return getJson<ConfToken>(this.#db, this.#db.keys.confToken(token));
  }

  /** Updates the expiry and role of a stored token (nothing when it is gone). */
  async updateConfToken(token: ConfToken): Promise<void> {
    await updateJson<ConfToken>(
      this.#db,
      this.#db.keys.confToken(token.token),
      (held) => ({ ...held, expiresAt: token.expiresAt, role: token.role }),
      (updated) => this.#ttl(updated.expiresAt, CONF_TOKEN_GRACE_MS),
    );
  }

  async deleteConfTokens(confId: string): Promise<void> {
    await this.#db.scripts['drop-conf-tokens'](1, this.#db.keys.confTokensOf(confId), this.#db.keys.prefix);
  }

  async putWsToken(token: WsToken): Promise<void> {
    await this.#db.redis.set(
      this.#db.keys.wsToken(token.token),
      JSON.stringify(token),
      'PX',
      this.#ttl(token.expiresAt, WS_TOKEN_GRACE_MS),
    );
  }

  /** `GETDEL`: one atomic step, so of any number of nodes taking the same token at once exactly one gets it. */
  async consumeWsToken(token: string): Promise<WsToken | undefined> {
    return parsed<WsToken>(await this.#db.redis.getdel(this.#db.keys.wsToken(token)));
  }
}
