/** Meeting-control tokens and single-use WebSocket tokens in SQLite. */
import { CONF_TOKEN_GRACE_MS, WS_TOKEN_GRACE_MS } from './policy.js';
import type { Db } from './sqlite-db.js';
import type { ConfToken, TokenStore, WsToken } from './types.js';

export class SqliteTokenStore implements TokenStore {
  readonly #stmts;
  /** Drops expired tokens (housekeeping; lookups check expiry themselves). */
  readonly purgeExpired: (now: number) => void;

  constructor(db: Db) {
    this.#stmts = {
      putConf: db.prepare(
        'INSERT INTO conf_tokens (token, conf_id, role, created_at, expires_at) VALUES (@token, @confId, @role, @createdAt, @expiresAt)',
      ),
      getConf: db.prepare('SELECT * FROM conf_tokens WHERE token = ?'),
      updateConf: db.prepare(
        'UPDATE conf_tokens SET expires_at = @expiresAt, role = @role WHERE token = @token',
      ),
      deleteConfOf: db.prepare('DELETE FROM conf_tokens WHERE conf_id = ?'),
      putWs: db.prepare(
        'INSERT INTO ws_tokens (token, conf_id, conf_token, expires_at) VALUES (@token, @confId, @confToken, @expiresAt)',
      ),
      takeWs: db.prepare(
        'DELETE FROM ws_tokens WHERE token = ? RETURNING token, conf_id, conf_token, expires_at',
      ),
      purgeWs: db.prepare('DELETE FROM ws_tokens WHERE expires_at <= ?'),
      purgeConf: db.prepare('DELETE FROM conf_tokens WHERE expires_at <= ?'),
    };
    this.purgeExpired = db.transaction((now: number) => {
      this.#stmts.purgeWs.run(now - WS_TOKEN_GRACE_MS);
      this.#stmts.purgeConf.run(now - CONF_TOKEN_GRACE_MS);
    });
  }

  async putConfToken(token: ConfToken): Promise<void> {
    this.#stmts.putConf.run(token);
  }

  async getConfToken(token: string): Promise<ConfToken | undefined> {
    const r = this.#stmts.getConf.get(token) as
      { token: string; conf_id: string; role: number; created_at: number; expires_at: number } | undefined;
    return (
      r && {
        token: r.token,
        confId: r.conf_id,
        role: r.role === 1 ? 1 : 0,
        createdAt: r.created_at,
        expiresAt: r.expires_at,
      }
    );
  }

  async updateConfToken(token: ConfToken): Promise<void> {
    this.#stmts.updateConf.run(token);
  }

  async deleteConfTokens(confId: string): Promise<void> {
    this.#stmts.deleteConfOf.run(confId);
  }

  async putWsToken(token: WsToken): Promise<void> {
    this.#stmts.putWs.run(token);
  }

  async consumeWsToken(token: string): Promise<WsToken | undefined> {
    const r = this.#stmts.takeWs.get(token) as
      { token: string; conf_id: string; conf_token: string; expires_at: number } | undefined;
    return r && { token: r.token, confId: r.conf_id, confToken: r.conf_token, expiresAt: r.expires_at };
  }
}
