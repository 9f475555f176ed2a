/**
 * The tokens a push connection needs, kept fresh: the meeting-control token (obtained with the host password,
 * kept alive before it expires) and a new single-use WebSocket token for every connect.
 */
import { adviseOnApiError, type ApiFailureAdvice, type ConfTokenInfo, type RestClient } from './rest.js';

/** A token-chain call failed; `advice` says what the connection should do about it. */
export class ChainFailure extends Error {
  override readonly name = 'ChainFailure';

  constructor(
    override readonly cause: unknown,
    readonly advice: ApiFailureAdvice,
  ) {
    super(cause instanceof Error ? cause.message : String(cause));
  }

  /** The underlying error (the `ConfpushApiError` in most cases). */
  get error(): Error {
    return this.cause instanceof Error ? this.cause : this;
  }
}

export interface TokenChainOptions {
  rest: RestClient;
  conferenceID: string;
  password: string;
  /** Keep the token alive this long before it expires (half its remaining life if shorter). */
  refreshMarginMs: number;
  /** Delay before retrying a failed keep-alive (1-based count of consecutive failures). */
  retryDelay: (failures: number) => number;
  /** A keep-alive failed for good (`meeting-gone`, `terminal`) or transiently (retried by itself). */
  onKeepAliveFailure: (failure: ChainFailure) => void;
}

export class TokenChain {
  readonly #o: TokenChainOptions;
  #control: ConfTokenInfo | undefined;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #stopped = false;
  controlTokens = 0;
  keepAlives = 0;

  constructor(options: TokenChainOptions) {
    this.#o = options;
  }

  get control(): ConfTokenInfo | undefined {
    return this.#control;
  }

  /** Forgets the control token: the next connect authenticates with the password again. */
  invalidate(): void {
    this.#control = undefined;
    this.#clearTimer();
  }

  stop(): void {
    this.#stopped = true;
    this.invalidate();
  }

  /** A fresh WebSocket token, and the `wsURL` to use it with. Throws `ChainFailure`. */
  async wsToken(): Promise<{ token: string; wsURL: string }> {
    const { rest, conferenceID } = this.#o;
    let control = this.#control;
    if (!control || control.expireTime <= Date.now()) control = await this.authenticate();
    try {
      return { token: await rest.getWsToken(conferenceID, control.token), wsURL: control.wsURL };
    } catch (err) {
      const advice = adviseOnApiError(err, false);
      if (advice !== 'refresh-token') throw new ChainFailure(err, advice);
    }
    control = await this.authenticate();
    try {
      return { token: await rest.getWsToken(conferenceID, control.token), wsURL: control.wsURL };
    } catch (err) {
      throw new ChainFailure(err, adviseOnApiError(err, true));
    }
  }

  /** A new control token from the password. Throws `ChainFailure`. */
  async authenticate(): Promise<ConfTokenInfo> {
    this.#clearTimer();
    let control: ConfTokenInfo;
    try {
      control = await this.#o.rest.getConfToken(this.#o.conferenceID, this.#o.password);
    } catch (err) {
      this.#control = undefined;
      throw new ChainFailure(err, adviseOnApiError(err, true));
    }
    if (this.#stopped) return control;
    this.#control = control;
    this.controlTokens++;
    this.#scheduleKeepAlive(control, 0);
    return control;
  }

  #scheduleKeepAlive(control: ConfTokenInfo, failures: number): void {
    this.#clearTimer();
    if (this.#stopped) return;
    const remaining = control.expireTime - Date.now();
    const margin = this.#o.refreshMarginMs;
    let delay = remaining > 2 * margin ? remaining - margin : Math.max(0, remaining / 2);
    if (failures > 0) delay = Math.min(delay, this.#o.retryDelay(failures));
    this.#timer = setTimeout(() => void this.#keepAlive(control, failures), delay);
  }

  async #keepAlive(control: ConfTokenInfo, failures: number): Promise<void> {
    const { rest, conferenceID, password } = this.#o;
    let failure: ChainFailure;
    try {
      const renewed = await rest.getConfToken(conferenceID, { keepAlive: control.token, password });
      if (this.#stopped || this.#control !== control) return;
      this.#control = renewed;
      this.keepAlives++;
      return this.#scheduleKeepAlive(renewed, 0);
    } catch (err) {
      failure = new ChainFailure(err, adviseOnApiError(err, false));
    }
    if (this.#stopped || this.#control !== control) return;
    if (failure.advice === 'refresh-token') {
      // The token lapsed: take a new one now; the socket moves to it on its next reconnect.
      try {
        await this.authenticate();
        return;
      } catch (err) {
        if (this.#stopped) return;
        failure = err instanceof ChainFailure ? err : new ChainFailure(err, 'retry');
      }
    }
    this.#o.onKeepAliveFailure(failure);
    // With no token left (re-authentication failed), the next connect authenticates again.
    if (failure.advice === 'retry' && this.#control === control)
      this.#scheduleKeepAlive(control, failures + 1);
  }

  #clearTimer(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}
