/** Options of the SDK: one definition, with documented defaults in `defaultOptions`. */
import { PUSH_CATEGORIES, type PushCategory } from '@confpush/protocol';
import type { ReconnectOptions } from './backoff.js';
import type { MeetingReplica } from './meeting.js';
import type { RestClient } from './rest.js';
import type { WebSocketConstructor } from './socket.js';

export interface ConfpushClientOptions {
  /** REST base URL of the meeting service, e.g. `http://localhost:8080` or `https://api.meeting.huaweicloud.com`. */
  baseUrl: string;
  /** `fetch` implementation for the REST calls; undefined uses `globalThis.fetch`. */
  fetch: typeof fetch | undefined;
  /** WebSocket constructor; undefined uses `globalThis.WebSocket`, else the `ws` package (Node only). */
  WebSocket: WebSocketConstructor | undefined;
  /** Categories to subscribe to when `join` names none. */
  categories: readonly PushCategory[];
  /** Abort a REST call after this many ms. */
  requestTimeoutMs: number;
  /** Send a `HeartBeat` frame this often (Huawei: at least every 180 s, 60 s recommended). */
  heartbeatIntervalMs: number;
  /**
   * Drop the socket and reconnect when nothing (not even a heartbeat echo) arrived for this long. Never less
   * than two heartbeat intervals.
   */
  heartbeatTimeoutMs: number;
  /** Give up on a socket that has not opened after this many ms (then reconnect). */
  connectTimeoutMs: number;
  /** Give up on a `Subscribe` whose reply and promised streams have not all arrived after this many ms. */
  subscribeTimeoutMs: number;
  /** Keep the meeting-control token alive this long before it expires (half its remaining life if shorter). */
  tokenRefreshMarginMs: number;
  /** Delay before the first reconnect attempt after a transient failure. */
  reconnectInitialDelayMs: number;
  /** Upper bound of a reconnect delay. */
  reconnectMaxDelayMs: number;
  /** Growth of the delay between consecutive failed attempts. */
  reconnectMultiplier: number;
  /** Random fraction of each delay (0 none … 1 anywhere between 0 and the delay). */
  reconnectJitter: number;
  /** Consecutive failed attempts after which the connection gives up (once it has been live). */
  reconnectMaxAttempts: number;
  /** Attempts allowed before the first successful subscription; `join` fails after them. */
  maxInitialAttempts: number;
  /** Ask the server to resume from the replica's positions after a reconnect (confpush extension). */
  resume: boolean;
  /**
   * Against a server without stream positions (Huawei Cloud), apply an incremental whose `version` skips
   * numbers instead of reconnecting. Huawei documents `version` as ascending but not whether it counts per
   * category; set this when the deployment numbers across categories.
   */
  acceptGapsWithoutExtensions: boolean;
}

/** The options of a `PushConnection`: the client's, without those of its REST calls. */
export type PushConnectionSettings = Omit<ConfpushClientOptions, 'baseUrl' | 'fetch' | 'requestTimeoutMs'>;

export interface PushConnectionInit extends Partial<PushConnectionSettings> {
  rest: RestClient;
  conferenceID: string;
  /** Host password (the meeting-control token is obtained and renewed with it). */
  password: string;
  /** The replica to keep up to date (default: a new one). */
  replica?: MeetingReplica;
}

export type ConfpushClientInit = Required<Pick<ConfpushClientOptions, 'baseUrl'>> &
  Partial<ConfpushClientOptions>;

export const defaultOptions: Readonly<Omit<ConfpushClientOptions, 'baseUrl'>> = Object.freeze({
  fetch: undefined,
  WebSocket: undefined,
  categories: PUSH_CATEGORIES,
  requestTimeoutMs: 15_000,
  heartbeatIntervalMs: 60_000,
  heartbeatTimeoutMs: 150_000,
  connectTimeoutMs: 15_000,
  subscribeTimeoutMs: 15_000,
  tokenRefreshMarginMs: 5 * 60_000,
  reconnectInitialDelayMs: 500,
  reconnectMaxDelayMs: 30_000,
  reconnectMultiplier: 2,
  reconnectJitter: 0.5,
  reconnectMaxAttempts: Infinity,
  maxInitialAttempts: 3,
  resume: true,
  acceptGapsWithoutExtensions: false,
});

/** The options with every default filled in, frozen. */
export function resolveOptions(init: ConfpushClientInit): Readonly<ConfpushClientOptions> {
  if (typeof init.baseUrl !== 'string' || init.baseUrl === '')
    throw new TypeError('options.baseUrl is required');
  return Object.freeze({ ...defaultOptions, ...definedOf(init), baseUrl: init.baseUrl });
}

/** A push connection's settings with every default filled in, frozen. */
export function resolveSettings(settings: Partial<PushConnectionSettings>): Readonly<PushConnectionSettings> {
  return Object.freeze({ ...defaultOptions, ...definedOf(settings) });
}

/** The fields that are set: an explicit `undefined` keeps the default. */
function definedOf(values: object): Record<string, unknown> {
  return Object.fromEntries(Object.entries(values).filter(([, v]) => v !== undefined));
}

export function reconnectOptionsOf(
  options: Pick<
    ConfpushClientOptions,
    | 'reconnectInitialDelayMs'
    | 'reconnectMaxDelayMs'
    | 'reconnectMultiplier'
    | 'reconnectJitter'
    | 'reconnectMaxAttempts'
  >,
): ReconnectOptions {
  return {
    initialDelayMs: options.reconnectInitialDelayMs,
    maxDelayMs: options.reconnectMaxDelayMs,
    multiplier: options.reconnectMultiplier,
    jitter: options.reconnectJitter,
    maxAttempts: options.reconnectMaxAttempts,
  };
}
