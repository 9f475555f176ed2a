/**
 * The abuse limits of a node (SECURITY.md lists them with their defaults): failed authentication attempts per
 * client address and per app / account / meeting, WebSocket tokens outstanding per meeting, push connections per
 * client address and per meeting, frames per second per connection, and the meeting and attendee quotas of an
 * enterprise. Every refusal is counted in `confpush_limit_rejections_total{limit}`.
 */
import type { Clock, TimerHandle } from '../clock.js';
import type { Config } from '../config.js';
import { AuthAttempts } from './auth-attempts.js';
import { ConnectionLimits } from './connections.js';
import { MeetingQuotas, type QuotaOptions } from './quotas.js';
import { TokenRate } from './token-bucket.js';
import type { LimitReporter } from './types.js';
import { WsTokenBudget } from './ws-tokens.js';

export { AuthAttempts, type AttemptKeys } from './auth-attempts.js';
export { ConnectionLimits } from './connections.js';
export { MeetingQuotas } from './quotas.js';
export { TokenRate, type BucketState } from './token-bucket.js';
export { LIMIT_NAMES, type LimitName, type LimitReporter } from './types.js';
export { WindowCounter } from './window.js';
export { WsTokenBudget } from './ws-tokens.js';

export type LimitsConfig = Pick<
  Config,
  | 'authFailureWindowMs'
  | 'authFailuresPerAddress'
  | 'authFailuresPerTarget'
  | 'wsTokensPerMeeting'
  | 'connectionsPerAddress'
  | 'connectionsPerMeeting'
  | 'framesPerSecond'
  | 'frameBurst'
  | 'meetingsPerEnterprise'
  | 'attendeesPerEnterprise'
  | 'attendeesPerMeeting'
>;

export interface LimitsOptions {
  config: LimitsConfig;
  clock: Clock;
  reporter?: LimitReporter | undefined;
}

export class Limits {
  readonly authAttempts: AuthAttempts;
  readonly wsTokens: WsTokenBudget;
  readonly connections: ConnectionLimits;
  readonly #config: LimitsConfig;
  #frameRate: TokenRate | undefined;
  readonly #reporter: LimitReporter | undefined;
  readonly #clock: Clock;
  readonly #sweep: TimerHandle;

  constructor(options: LimitsOptions) {
    const { config, clock, reporter } = options;
    this.#config = config;
    this.#reporter = reporter;
    const now = () => clock.now();
    this.authAttempts = new AuthAttempts({
      windowMs: config.authFailureWindowMs,
      perAddress: config.authFailuresPerAddress,
      perTarget: config.authFailuresPerTarget,
      now,
      reporter,
    });
    this.wsTokens = new WsTokenBudget({ perMeeting: config.wsTokensPerMeeting, now, reporter });
    this.connections = new ConnectionLimits({
      perAddress: config.connectionsPerAddress,
      perMeeting: config.connectionsPerMeeting,
      reporter,
    });
    this.#clock = clock;
    this.#sweep = clock.setInterval(() => this.wsTokens.sweep(), 60_000);
  }

  /** The quotas, reading meetings through the node's store and engine. */
  quotas(deps: Pick<QuotaOptions, 'store' | 'meetingState'>): MeetingQuotas {
    return new MeetingQuotas({
      ...deps,
      meetingsPerEnterprise: this.#config.meetingsPerEnterprise,
      attendeesPerEnterprise: this.#config.attendeesPerEnterprise,
      attendeesPerMeeting: this.#config.attendeesPerMeeting,
      reporter: this.#reporter,
    });
  }

  /**
   * The frame-rate rule of push connections, each keeping its own bucket state (on the monotonic clock: a flood is
   * a matter of real time); undefined when there is no limit.
   */
  get frameRate(): TokenRate | undefined {
    const { framesPerSecond, frameBurst } = this.#config;
    if (framesPerSecond <= 0) return undefined;
    return (this.#frameRate ??= new TokenRate(framesPerSecond, frameBurst));
  }

  /** A frame refused by the frame-rate limit (counted by the gateway, which closes the connection). */
  frameRateExceeded(): void {
    this.#reporter?.limitRejected('frame_rate');
  }

  close(): void {
    this.#clock.clearInterval(this.#sweep);
  }
}
