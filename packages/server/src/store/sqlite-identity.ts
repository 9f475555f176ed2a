/** Enterprises, apps, users, access tokens and nonces in SQLite. */
import { ACCESS_TOKEN_GRACE_MS } from './policy.js';
import type { Db } from './sqlite-db.js';
import type { AccessToken, App, Corp, IdentityStore, User } from './types.js';

interface UserRow {
  user_id: string;
  corp_id: string;
  account: string | null;
  third_account: string | null;
  app_id: string | null;
  password_hash: string | null;
  name: string;
  email: string | null;
  phone: string | null;
  sip_number: string;
  user_type: number;
  admin_type: number;
  created_at: number;
}

interface TokenRow {
  token: string;
  user_id: string;
  client_type: number;
  token_ip: string;
  created_at: number;
  expires_at: number;
  refresh_token: string;
  refresh_expires_at: number;
}

const toUser = (r: UserRow): User => ({
  userId: r.user_id,
  corpId: r.corp_id,
  account: r.account,
  thirdAccount: r.third_account,
  appId: r.app_id,
  passwordHash: r.password_hash,
  name: r.name,
  email: r.email,
  phone: r.phone,
  sipNumber: r.sip_number,
  userType: r.user_type,
  adminType: r.admin_type,
  createdAt: r.created_at,
});

const toToken = (r: TokenRow): AccessToken => ({
  token: r.token,
  userId: r.user_id,
  clientType: r.client_type,
  tokenIp: r.token_ip,
  createdAt: r.created_at,
  expiresAt: r.expires_at,
  refreshToken: r.refresh_token,
  refreshExpiresAt: r.refresh_expires_at,
});

export class SqliteIdentityStore implements IdentityStore {
  readonly #db: Db;
  readonly #stmts;

  constructor(db: Db) {
    this.#db = db;
    this.#stmts = {
      getCorp: db.prepare('SELECT corp_id, sp_id, name, created_at FROM corps WHERE corp_id = ?'),
      putCorp: db.prepare(
        'INSERT INTO corps (corp_id, sp_id, name, created_at) VALUES (@corpId, @spId, @name, @createdAt) ON CONFLICT (corp_id) DO UPDATE SET sp_id = excluded.sp_id, name = excluded.name',
      ),
      getApp: db.prepare(
        'SELECT app_id, app_key, kind, corp_id, sp_id, created_at FROM apps WHERE app_id = ?',
      ),
      putApp: db.prepare(
        'INSERT INTO apps (app_id, app_key, kind, corp_id, sp_id, created_at) VALUES (@appId, @appKey, @kind, @corpId, @spId, @createdAt) ON CONFLICT (app_id) DO UPDATE SET app_key = excluded.app_key, kind = excluded.kind, corp_id = excluded.corp_id, sp_id = excluded.sp_id',
      ),
      getUser: db.prepare('SELECT * FROM users WHERE user_id = ?'),
      userByAccount: db.prepare('SELECT * FROM users WHERE account = ?'),
      userByThird: db.prepare('SELECT * FROM users WHERE corp_id = ? AND app_id = ? AND third_account = ?'),
      putUser: db.prepare(
        `INSERT INTO users (user_id, corp_id, account, third_account, app_id, password_hash, name, email, phone, sip_number, user_type, admin_type, created_at)
         VALUES (@userId, @corpId, @account, @thirdAccount, @appId, @passwordHash, @name, @email, @phone, @sipNumber, @userType, @adminType, @createdAt)
         ON CONFLICT (user_id) DO UPDATE SET account = excluded.account, password_hash = excluded.password_hash, name = excluded.name,
           email = excluded.email, phone = excluded.phone, user_type = excluded.user_type, admin_type = excluded.admin_type`,
      ),
      getNonce: db.prepare('SELECT expires_at FROM nonces WHERE app_id = ? AND nonce = ?'),
      putNonce: db.prepare(
        'INSERT INTO nonces (app_id, nonce, expires_at) VALUES (?, ?, ?) ON CONFLICT (app_id, nonce) DO UPDATE SET expires_at = excluded.expires_at',
      ),
      purgeNonces: db.prepare('DELETE FROM nonces WHERE expires_at <= ?'),
      putToken: db.prepare(
        `INSERT INTO access_tokens (token, user_id, client_type, token_ip, created_at, expires_at, refresh_token, refresh_expires_at)
         VALUES (@token, @userId, @clientType, @tokenIp, @createdAt, @expiresAt, @refreshToken, @refreshExpiresAt)`,
      ),
      userTokens: db.prepare(
        'SELECT token FROM access_tokens WHERE user_id = ? AND client_type = ? ORDER BY created_at DESC, rowid DESC',
      ),
      purgeTokens: db.prepare('DELETE FROM access_tokens WHERE expires_at <= ? AND refresh_expires_at <= ?'),
      getToken: db.prepare('SELECT * FROM access_tokens WHERE token = ?'),
      updateToken: db.prepare(
        'UPDATE access_tokens SET expires_at = @expiresAt, refresh_token = @refreshToken, refresh_expires_at = @refreshExpiresAt WHERE token = @token',
      ),
      deleteToken: db.prepare('DELETE FROM access_tokens WHERE token = ?'),
    };
  }

  async getCorp(corpId: string): Promise<Corp | undefined> {
    const r = this.#stmts.getCorp.get(corpId) as
      { corp_id: string; sp_id: string | null; name: string; created_at: number } | undefined;
    return r && { corpId: r.corp_id, spId: r.sp_id, name: r.name, createdAt: r.created_at };
  }

  async putCorp(corp: Corp): Promise<void> {
    this.#stmts.putCorp.run(corp);
  }

  async getApp(appId: string): Promise<App | undefined> {
    const r = this.#stmts.getApp.get(appId) as
      | {
          app_id: string;
          app_key: string;
          kind: App['kind'];
          corp_id: string | null;
          sp_id: string | null;
          created_at: number;
        }
      | undefined;
    return (
      r && {
        appId: r.app_id,
        appKey: r.app_key,
        kind: r.kind,
        corpId: r.corp_id,
        spId: r.sp_id,
        createdAt: r.created_at,
      }
    );
  }

  async putApp(app: App): Promise<void> {
    this.#stmts.putApp.run(app);
  }

  async getUser(userId: string): Promise<User | undefined> {
    const r = this.#stmts.getUser.get(userId) as UserRow | undefined;
    return r && toUser(r);
  }

  async findUserByAccount(account: string): Promise<User | undefined> {
    const r = this.#stmts.userByAccount.get(account) as UserRow | undefined;
    return r && toUser(r);
  }

  async findUserByThirdAccount(
    corpId: string,
    appId: string,
    thirdAccount: string,
  ): Promise<User | undefined> {
    const r = this.#stmts.userByThird.get(corpId, appId, thirdAccount) as UserRow | undefined;
    return r && toUser(r);
  }

  async putUser(user: User): Promise<void> {
    this.#stmts.putUser.run(user);
  }

  async useNonce(appId: string, nonce: string, expiresAt: number, now: number): Promise<boolean> {
    return this.#db.transaction(() => {
      this.#stmts.purgeNonces.run(now);
      const held = this.#stmts.getNonce.get(appId, nonce) as { expires_at: number } | undefined;
      if (held && held.expires_at > now) return false;
      this.#stmts.putNonce.run(appId, nonce, expiresAt);
      return true;
    })();
  }

  async putAccessToken(token: AccessToken, maxPerUser: number): Promise<void> {
    this.#db.transaction(() => {
      this.#stmts.putToken.run(token);
      const rows = this.#stmts.userTokens.all(token.userId, token.clientType) as { token: string }[];
      for (const row of rows.slice(maxPerUser)) this.#stmts.deleteToken.run(row.token);
    })();
  }

  /** Drops access tokens whose access and refresh lifetimes are both over. */
  purgeExpired(now: number): void {
    this.#stmts.purgeTokens.run(now - ACCESS_TOKEN_GRACE_MS, now - ACCESS_TOKEN_GRACE_MS);
  }

  async getAccessToken(token: string): Promise<AccessToken | undefined> {
    const r = this.#stmts.getToken.get(token) as TokenRow | undefined;
    return r && toToken(r);
  }

  async updateAccessToken(token: AccessToken): Promise<void> {
    this.#stmts.updateToken.run(token);
  }

  async deleteAccessToken(token: string): Promise<void> {
    this.#stmts.deleteToken.run(token);
  }
}
