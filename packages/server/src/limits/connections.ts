/**
 * Open push connections per client address and per meeting. The address slot is taken when the upgrade request
 * arrives (before the token is checked, so a flood of upgrades is bounded too) and the meeting slot once the token
 * names the meeting; both are given back when the TCP socket closes.
 */
import type { LimitReporter } from './types.js';

export interface ConnectionLimitsOptions {
  /** 0 = no limit. */
  perAddress: number;
  /** 0 = no limit. */
  perMeeting: number;
  reporter?: LimitReporter | undefined;
}

export class ConnectionLimits {
  readonly #options: ConnectionLimitsOptions;
  readonly #byAddress = new Map<string, number>();
  readonly #byMeeting = new Map<string, number>();

  constructor(options: ConnectionLimitsOptions) {
    this.#options = options;
  }

  /** Takes a slot of the address; false (nothing taken) when it has `perAddress` already. */
  acquireAddress(address: string): boolean {
    return this.#acquire(this.#byAddress, address, this.#options.perAddress, 'connections_address');
  }

  releaseAddress(address: string): void {
    release(this.#byAddress, address);
  }

  /** Takes a slot of the meeting; false (nothing taken) when it has `perMeeting` already. */
  acquireMeeting(confId: string): boolean {
    return this.#acquire(this.#byMeeting, confId, this.#options.perMeeting, 'connections_meeting');
  }

  releaseMeeting(confId: string): void {
    release(this.#byMeeting, confId);
  }

  /** Connections counted for an address / a meeting (for tests). */
  ofAddress(address: string): number {
    return this.#byAddress.get(address) ?? 0;
  }

  ofMeeting(confId: string): number {
    return this.#byMeeting.get(confId) ?? 0;
  }

  #acquire(
    counts: Map<string, number>,
    key: string,
    max: number,
    limit: 'connections_address' | 'connections_meeting',
  ): boolean {
    const n = counts.get(key) ?? 0;
    if (max > 0 && n >= max) {
      this.#options.reporter?.limitRejected(limit);
      return false;
    }
    counts.set(key, n + 1);
    return true;
  }
}

function release(counts: Map<string, number>, key: string): void {
  const n = counts.get(key) ?? 0;
  if (n <= 1) counts.delete(key);
  else counts.set(key, n - 1);
}
