/** Meeting-control tokens and single-use WebSocket tokens in Redis (key layout: `redis-keys.ts`). */
import type { Clock } from '../clock.js';
import { CONF_TOKEN_GRACE_MS, WS_TOKEN_GRACE_MS } from './policy.js';
import type { RedisDb } from './redis-db.js';
import type { ConfToken, TokenStore, WsToken } from './types.js';

export class RedisTokenStore implements TokenStore {
  readonly #db: RedisDb;
  readonly #clock: Clock;

  constructor(db: RedisDb, clock: Clock) {
    this.#db = db;
    this.#clock = clock;
  }

  #ttl(expiresAt: number, grace: number): number {
    return Math.max(1, expiresAt - this.#clock.now()) + grace;
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
    const json = await this.#db.redis.get(this.#db.keys.confToken(token));
    return json === null ? undefined : (JSON.parse(json) as ConfToken);
  }

  /** Updates the expiry and role of a stored token (nothing when it is gone). */
  async updateConfToken(token: ConfToken): Promise<void> {
    const held = await this.getConfToken(token.token);
    if (!held) return;
    const updated: ConfToken = { ...held, expiresAt: token.expiresAt, role: token.role };
    await this.#db.redis.set(
      this.#db.keys.confToken(token.token),
      JSON.stringify(updated),
      'PX',
      this.#ttl(updated.expiresAt, CONF_TOKEN_GRACE_MS),
      'XX',
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
    const json = await this.#db.redis.getdel(this.#db.keys.wsToken(token));
    return json === null ? undefined : (JSON.parse(json) as WsToken);
  }
}
