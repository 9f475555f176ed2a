/**
 * The socket's codes: WebSocket close codes and `returnCode` values of socket replies (REST errors and the reply
 * code each becomes on the socket are in errors.ts). This module is the single source; docs/protocol.md lists the
 * same tables and a test keeps them in step.
 */

/** What a client should do after a close code. */
export type CloseAdvice =
  /** Reconnect with a fresh WebSocket token and resume from the last position. */
  | 'reconnect'
  /** Do not reconnect: the meeting is over or the request can never succeed as it is. */
  | 'terminal'
  /** Obtain a new meeting-control token first, then reconnect. */
  | 'refresh-token';

export interface CloseCodeSpec {
  readonly code: number;
  readonly reason: string;
  readonly advice: CloseAdvice;
  readonly description: string;
}

/**
 * Close codes. 4000–4099: terminal or needs new credentials; 4100–4199: transient, reconnect and resume.
 * The close reason is the `reason` string (ASCII, well under the 123-byte limit).
 */
export const CLOSE_CODES = {
  BAD_FRAME: closeCode(
    4000,
    'BAD_FRAME',
    'terminal',
    'A frame was not a JSON object with a string `action`.',
  ),
  WS_TOKEN_INVALID: closeCode(
    4001,
    'WS_TOKEN_INVALID',
    'refresh-token',
    'The `tmpToken` of the upgrade request is unknown, already used or expired (1 minute, single use).',
  ),
  FORBIDDEN: closeCode(
    4003,
    'FORBIDDEN',
    'terminal',
    'The WebSocket token was issued for another meeting than `confID`.',
  ),
  MEETING_NOT_FOUND: closeCode(4004, 'MEETING_NOT_FOUND', 'terminal', 'No meeting has the `confID` given.'),
  MEETING_ENDED: closeCode(4005, 'MEETING_ENDED', 'terminal', 'The meeting ended (or is not in progress).'),
  CONF_TOKEN_EXPIRED: closeCode(
    4006,
    'CONF_TOKEN_EXPIRED',
    'refresh-token',
    'The meeting-control token behind the subscription expired or was revoked and was not refreshed.',
  ),
  RATE_LIMITED: closeCode(
    4008,
    'RATE_LIMITED',
    'terminal',
    'The connection sent frames faster than `framesPerSecond` (with a burst of `frameBurst`) allows.',
  ),
  PROTOCOL_ERROR: closeCode(
    1002,
    'PROTOCOL_ERROR',
    'terminal',
    'The client broke the WebSocket framing rules (e.g. an unmasked frame, a reserved opcode or bit).',
  ),
  INVALID_UTF8: closeCode(1007, 'INVALID_UTF8', 'terminal', 'A text frame was not valid UTF-8.'),
  MESSAGE_TOO_BIG: closeCode(1009, 'MESSAGE_TOO_BIG', 'terminal', 'A client frame exceeded the size limit.'),
  HEARTBEAT_TIMEOUT: closeCode(
    4100,
    'HEARTBEAT_TIMEOUT',
    'reconnect',
    'No `HeartBeat` frame arrived within the heartbeat timeout (180 s by default), or the peer stopped answering pings.',
  ),
  SLOW_CONSUMER: closeCode(
    4101,
    'SLOW_CONSUMER',
    'reconnect',
    'The connection could not keep up: its outbound queue passed the hard limit.',
  ),
  SERVER_SHUTDOWN: closeCode(
    4102,
    'SERVER_SHUTDOWN',
    'reconnect',
    'The server is shutting down; reconnect (to another node) and resume.',
  ),
  TOO_MANY_CONNECTIONS: closeCode(
    4103,
    'TOO_MANY_CONNECTIONS',
    'reconnect',
    'The client address (`connectionsPerAddress`) or the meeting (`connectionsPerMeeting`) has too many open push connections; reconnect later, with backoff.',
  ),
} as const satisfies Record<string, CloseCodeSpec>;

export type CloseCodeName = keyof typeof CLOSE_CODES;

function closeCode(code: number, reason: string, advice: CloseAdvice, description: string): CloseCodeSpec {
  return { code, reason, advice, description };
}

export interface ReplyCodeSpec {
  readonly code: number;
  readonly desc: string;
  readonly description: string;
}

/** `returnCode` values of `Subscribe` and `ConfControl` replies. 0 is success. */
export const REPLY_CODES = {
  SUCCESS: replyCode(0, 'SUCCESS', 'The request was carried out.'),
  INVALID_DATA: replyCode(
    119000001,
    'INVALID_DATA',
    '`data` is missing, not JSON, or has a field of the wrong type (`subscribeType` must be an array of strings).',
  ),
  CONF_TOKEN_INVALID: replyCode(119000002, 'CONF_TOKEN_INVALID', '`confToken` is missing or unknown.'),
  CONF_TOKEN_EXPIRED: replyCode(
    119000003,
    'CONF_TOKEN_EXPIRED',
    '`confToken` has expired; obtain a new one.',
  ),
  CONF_TOKEN_WRONG_MEETING: replyCode(
    119000004,
    'CONF_TOKEN_WRONG_MEETING',
    '`confToken` (or `conferenceID`) belongs to another meeting than the socket.',
  ),
  MEETING_NOT_IN_PROGRESS: replyCode(
    119000005,
    'MEETING_NOT_IN_PROGRESS',
    'The meeting is not in progress (ended or not started).',
  ),
  UNKNOWN_ACTION: replyCode(
    119000006,
    'UNKNOWN_ACTION',
    'The `action` of the frame is not one the server knows.',
  ),
  UNKNOWN_CONTROL_TYPE: replyCode(
    119000007,
    'UNKNOWN_CONTROL_TYPE',
    'The `type` of a `ConfControl` frame is not one the server knows.',
  ),
  INVALID_SEQUENCE: replyCode(
    119000008,
    'INVALID_SEQUENCE',
    'A `HeartBeat` frame has no `sequence`, or one that is not a JSON string; it is not echoed (and does not count as a heartbeat).',
  ),
  UPSTREAM_UNAVAILABLE: replyCode(
    119000009,
    'UPSTREAM_UNAVAILABLE',
    'The meeting is mirrored from an upstream service (a relay, docs/relay.md) and the request could not be forwarded there now: no live upstream connection on this node, or no answer in time. Nothing changed here; retry later.',
  ),
  CONF_MIRRORED: replyCode(
    119000010,
    'CONF_MIRRORED',
    'The meeting is mirrored from an upstream service (a relay) and this request has no upstream equivalent; nothing changed.',
  ),
  SUBTITLE_NOT_SUPPORTED: replyCode(
    111072085,
    'SUBTITLE_NOT_SUPPORTED',
    'The meeting does not support live captions.',
  ),
  SUBTITLE_PID_NULL: replyCode(
    111072086,
    'CMS_CONF_REALTIME_SUBTITLE_PID_NULL',
    'Captions for specified speakers were asked without a speaker list.',
  ),
  SUBTITLE_PID_WRONG: replyCode(
    111072087,
    'CMS_CONF_REALTIME_SUBTITLE_PID_WRONG',
    'A specified speaker ID is wrong, has left, or more than 4 were given.',
  ),
} as const satisfies Record<string, ReplyCodeSpec>;

export type ReplyCodeName = keyof typeof REPLY_CODES;

function replyCode(code: number, desc: string, description: string): ReplyCodeSpec {
  return { code, desc, description };
}
