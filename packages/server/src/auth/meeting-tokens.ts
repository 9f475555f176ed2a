/**
 * The meeting token chain: host password → meeting-control token (30 min, keep-alive) → WebSocket token
 * (1 min, single use) → socket. Every check here throws an `DomainError` naming the documented code.
 */
import { PUSH_CATEGORIES } from '@confpush/protocol';
import type { Clock } from '../clock.js';
import { isInProgress, type MeetingRecord } from '../domain/meeting.js';
import { DomainError } from '../domain/errors.js';
import { token as newToken } from '../ids.js';
import type { WsTokenBudget } from '../limits/ws-tokens.js';
import type { ConfToken, MeetingStore, TokenStore, WsToken } from '../store/types.js';
import { secretEquals } from './secrets.js';

export interface MeetingTokensOptions {
  /** The node's store: its tokens, and its meetings (a control token is issued for a meeting that exists). */
  store: { tokens: TokenStore; meetings: Pick<MeetingStore, 'getMeeting'> };
  clock: Clock;
  confTokenTtlMs: number;
  wsTokenTtlMs: number;
  /** Outstanding WebSocket tokens per meeting (`wsTokensPerMeeting`); no limit when absent. */
  wsTokenBudget?: WsTokenBudget | undefined;
}

/** Accepts a token raw (`stb…`) or as `Basic ` + base64(token), as Huawei documents both. */
export function parseConfAuthorization(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  const value = header.trim();
  if (value === '') return undefined;
  const match = /^basic\s+(\S+)$/i.exec(value);
  if (!match) return value;
  const decoded = Buffer.from(match[1] ?? '', 'base64').toString('utf8');
  return decoded === '' ? undefined : decoded;
}

/** Categories pushed for every meeting (`supportNotifyType`). */
export const SUPPORTED_NOTIFY_TYPES: readonly string[] = PUSH_CATEGORIES;

export interface IssuedConfToken {
  confToken: ConfToken;
  wsToken: WsToken;
  record: MeetingRecord;
}

export class MeetingTokens {
  readonly #store: MeetingTokensOptions['store'];
  readonly #clock: Clock;
  readonly #confTtl: number;
  readonly #wsTtl: number;
  readonly #budget: WsTokenBudget | undefined;

  constructor(options: MeetingTokensOptions) {
    this.#store = options.store;
    this.#clock = options.clock;
    this.#confTtl = options.confTokenTtlMs;
    this.#wsTtl = options.wsTokenTtlMs;
    this.#budget = options.wsTokenBudget;
  }

  get confTokenTtlMs(): number {
    return this.#confTtl;
  }

  /**
   * `GET /v1/mmc/control/conferences/token`. With a live `X-Conference-Authorization` token for this meeting the
   * token is kept alive (same token, new expiry, password not checked). Otherwise the password must be the host
   * password (role 1) or the guest password (role 0) of a meeting in progress.
   */
  async issueConfToken(
    confId: string,
    password: string | undefined,
    existing: string | undefined,
  ): Promise<IssuedConfToken> {
    const record = await this.#store.meetings.getMeeting(confId);
    if (!record || record.cancelled) throw new DomainError('CONF_AUTH_FAILED');
    if (!isInProgress(record)) throw new DomainError('CONF_NOT_STARTED');
    const now = this.#clock.now();
    if (existing !== undefined) {
      const held = await this.#store.tokens.getConfToken(existing);
      if (held && held.confId === confId && held.expiresAt > now) {
        this.#budget?.check(confId); // before any write: a refused call changes nothing
        const renewed: ConfToken = { ...held, expiresAt: now + this.#confTtl };
        await this.#store.tokens.updateConfToken(renewed);
        return { confToken: renewed, wsToken: await this.#newWsToken(renewed), record };
      }
      if (password === undefined || password === '') {
        throw new DomainError(held && held.expiresAt <= now ? 'CONF_TOKEN_EXPIRED' : 'CONF_AUTH_FAILED');
      }
    }
    if (password === undefined || password === '') {
      throw new DomainError('MMC_INVALID_PARAMETER', 'X-Password is required');
    }
    let role: 0 | 1;
    if (secretEquals(password, record.chairPwd)) role = 1;
    else if (secretEquals(password, record.guestPwd)) role = 0;
    else throw new DomainError('CONF_AUTH_FAILED');
    this.#budget?.check(confId);
    const confToken: ConfToken = {
      token: newToken('cpc'),
      confId,
      role,
      createdAt: now,
      expiresAt: now + this.#confTtl,
    };
    await this.#store.tokens.putConfToken(confToken);
    return { confToken, wsToken: await this.#newWsToken(confToken), record };
  }

  /** Checks a control token (raw or Basic form) for a meeting; returns it when live. */
  async checkConfToken(header: string | undefined, confId: string): Promise<ConfToken> {
    const raw = parseConfAuthorization(header);
    if (raw === undefined)
      throw new DomainError('MMC_INVALID_PARAMETER', 'X-Conference-Authorization is required');
    const held = await this.#store.tokens.getConfToken(raw);
    if (!held) throw new DomainError('CONF_AUTH_FAILED');
    if (held.confId !== confId) throw new DomainError('CONF_TOKEN_WRONG_MEETING');
    if (held.expiresAt <= this.#clock.now()) throw new DomainError('CONF_TOKEN_EXPIRED');
    return held;
  }

  /** The stored control token (raw form), whatever its state; no checks. */
  async peek(token: string): Promise<ConfToken | undefined> {
    return this.#store.tokens.getConfToken(token);
  }

  /** Extends a live control token (raw or Basic form) of this meeting by the token lifetime (in-band REFRESHTOKEN). */
  async keepAlive(header: string | undefined, confId: string): Promise<ConfToken> {
    const held = await this.checkConfToken(header, confId);
    const renewed: ConfToken = { ...held, expiresAt: this.#clock.now() + this.#confTtl };
    await this.#store.tokens.updateConfToken(renewed);
    return renewed;
  }

  /** `GET /v1/mmc/control/conferences/wsToken`. */
  async issueWsToken(confToken: ConfToken): Promise<WsToken> {
    return this.#newWsToken(confToken);
  }

  async #newWsToken(confToken: ConfToken): Promise<WsToken> {
    this.#budget?.check(confToken.confId);
    const wsToken: WsToken = {
      token: newToken('cpw'),
      confId: confToken.confId,
      confToken: confToken.token,
      expiresAt: this.#clock.now() + this.#wsTtl,
    };
    await this.#store.tokens.putWsToken(wsToken);
    this.#budget?.issued(wsToken.confId, wsToken.token, wsToken.expiresAt);
    return wsToken;
  }

  /** Takes a WebSocket token (single use): undefined when unknown, used or expired. */
  async consumeWsToken(token: string): Promise<WsToken | undefined> {
    const held = await this.#store.tokens.consumeWsToken(token);
    if (held) this.#budget?.consumed(held.confId, held.token);
    if (!held || held.expiresAt <= this.#clock.now()) return undefined;
    return held;
  }
}
