/**
 * WebSocket tokens outstanding per meeting: issued, neither used nor expired. Each one is a stored row and a
 * connection waiting to happen, so a meeting may hold at most `perMeeting` of them; past that, issuing one more
 * is refused with `TOO_MANY_WS_TOKENS` (429) until some are used or expire (one minute).
 *
 * Counted by the node that issued them (in cluster mode a token used on another node stays counted here until it
 * expires, which only makes the limit stricter for a minute).
 */
import { DomainError } from '../domain/errors.js';
import type { LimitReporter } from './types.js';
import { deleteInner, innerMap } from '../nested-map.js';

export interface WsTokenBudgetOptions {
  /** 0 = no limit. */
  perMeeting: number;
  now: () => number;
  reporter?: LimitReporter | undefined;
}

export class WsTokenBudget {
  readonly #options: WsTokenBudgetOptions;
  /** confId → token → expiry (ms). */
  readonly #outstanding = new Map<string, Map<string, number>>();

  constructor(options: WsTokenBudgetOptions) {
    this.#options = options;
  }

  /** Throws `TOO_MANY_WS_TOKENS` when the meeting cannot have one more token now. */
  check(confId: string): void {
    const max = this.#options.perMeeting;
    if (max <= 0) return;
    const tokens = this.#outstanding.get(confId);
    if (!tokens || tokens.size < max) return;
    this.#purge(confId, tokens, this.#options.now());
    if (tokens.size >= max) {
      this.#options.reporter?.limitRejected('ws_tokens_meeting');
      throw new DomainError('TOO_MANY_WS_TOKENS');
    }
  }

  /** Counts a token just issued. */
  issued(confId: string, token: string, expiresAt: number): void {
    if (this.#options.perMeeting <= 0) return;
    innerMap(this.#outstanding, confId).set(token, expiresAt);
  }

  /** A token was used (or found expired): it no longer counts. */
  consumed(confId: string, token: string): void {
    deleteInner(this.#outstanding, confId, token);
  }

  /** Tokens of a meeting counted now (for tests and metrics). */
  outstanding(confId: string): number {
    const tokens = this.#outstanding.get(confId);
    if (!tokens) return 0;
    this.#purge(confId, tokens, this.#options.now());
    return tokens.size;
  }

  /** Forgets expired tokens of every meeting (called periodically). */
  sweep(): void {
    const now = this.#options.now();
    for (const [confId, tokens] of this.#outstanding) this.#purge(confId, tokens, now);
  }

  #purge(confId: string, tokens: Map<string, number>, now: number): void {
    for (const [token, expiresAt] of tokens) if (expiresAt <= now) tokens.delete(token);
    if (tokens.size === 0) this.#outstanding.delete(confId);
  }
}
