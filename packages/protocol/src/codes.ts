/**
 * Every code confpush sends: WebSocket close codes, `returnCode` values of socket replies, and REST error codes.
 * This module is the single source; docs/protocol.md and docs/rest-api.md list the same tables and a test keeps
 * them in step.
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

export interface RestErrorSpec {
  /** Huawei-style `MODULE.number` code, sent as `error_code`. */
  readonly code: string;
  readonly status: number;
  /** Sent as `error_msg` unless a more specific message is given. */
  readonly msg: string;
  readonly description: string;
}

/** REST error bodies are `{"error_code": code, "error_msg": msg}` with `status`. */
export const REST_ERRORS = {
  // --- authentication and tokens (USG.*) ---
  USG_INVALID_PARAMETER: restError(
    'USG.201010001',
    400,
    'INVALID_PARAMETER',
    'A header or body field is missing or invalid; `error_msg` names it.',
  ),
  APP_AUTH_FAILED: restError(
    'USG.201040001',
    401,
    'APP_AUTH_FAILED',
    'Unknown app ID, malformed `Authorization` header, or a signature that does not match.',
  ),
  SIGNATURE_EXPIRED: restError(
    'USG.201040002',
    401,
    'SIGNATURE_EXPIRED',
    'The signed `expireTime` (unix seconds) is in the past.',
  ),
  NONCE_REPLAYED: restError(
    'USG.201040003',
    401,
    'NONCE_REPLAYED',
    'This `nonce` was already used with a signature still valid.',
  ),
  NONCE_INVALID: restError(
    'USG.201040004',
    400,
    'NONCE_INVALID',
    '`nonce` must be 32 to 64 characters long.',
  ),
  ACCOUNT_AUTH_FAILED: restError(
    'USG.201040005',
    401,
    'ACCOUNT_AUTH_FAILED',
    'Unknown account or wrong password (never says which).',
  ),
  ACCESS_TOKEN_INVALID: restError(
    'USG.201040006',
    401,
    'ACCESS_TOKEN_INVALID',
    '`X-Access-Token` (or the token to validate) is missing, unknown, revoked or expired.',
  ),
  CORP_NOT_ALLOWED: restError(
    'USG.201040007',
    401,
    'CORP_NOT_ALLOWED',
    '`corpId` was sent for an app that is not an SP app, or names an unknown enterprise.',
  ),
  TOO_MANY_ATTEMPTS: restError(
    'USG.201040008',
    429,
    'TOO_MANY_ATTEMPTS',
    'Too many failed authentication attempts from this client address, or for this app, account or meeting; retry after `authFailureWindowMs`.',
  ),
  PERMISSION_DENIED: restError(
    'USG.201030001',
    403,
    'PERMISSION_DENIED',
    'The caller may not perform this operation (e.g. not an administrator).',
  ),
  ACCOUNT_EXISTS: restError(
    'USG.201050001',
    400,
    'ACCOUNT_EXISTS',
    'An account with this name already exists.',
  ),

  // --- meetings (MMC.*) ---
  MMC_INVALID_PARAMETER: restError(
    'MMC.111070001',
    400,
    'INVALID_PARAMETER',
    'A query, header or body field is missing or invalid; `error_msg` names it.',
  ),
  CONF_NOT_EXIST: restError(
    'MMC.111070005',
    400,
    'CONF_NOT_EXIST',
    'No meeting with this `conferenceID` is visible to the caller.',
  ),
  CONF_NO_PERMISSION: restError(
    'MMC.111070003',
    403,
    'CONF_NO_PERMISSION',
    'The meeting belongs to another user and the caller is not an administrator of its enterprise.',
  ),
  CONF_ALREADY_STARTED: restError(
    'MMC.111070010',
    400,
    'CONF_ALREADY_STARTED',
    'A started meeting cannot be edited, or cancelled without `type=1`.',
  ),
  CONF_ENDED: restError(
    'MMC.111070011',
    400,
    'CONF_ENDED',
    'The meeting has ended and cannot be changed or started again.',
  ),
  CONF_NOT_STARTED: restError(
    'MMC.111072005',
    400,
    'CONF_NOT_STARTED_OR_ENDED',
    'The meeting is not in progress (not started yet or already ended).',
  ),
  CONF_AUTH_FAILED: restError(
    'MMC.111072065',
    400,
    'CONF_NOT_FOUND_OR_AUTH_FAILED',
    'Meeting not found, wrong host password, or an unknown meeting-control token.',
  ),
  CONF_TOKEN_EXPIRED: restError(
    'MMC.111072066',
    401,
    'CONF_TOKEN_EXPIRED',
    'The meeting-control token expired (30 minutes without keep-alive).',
  ),
  CONF_NOT_CHAIR: restError(
    'MMC.111072040',
    403,
    'NOT_CHAIR',
    'Only the host (a control token obtained with the host password) may do this.',
  ),
  CONF_TOKEN_WRONG_MEETING: restError(
    'MMC.111072067',
    403,
    'CONF_TOKEN_WRONG_MEETING',
    'The meeting-control token was issued for another meeting.',
  ),
  TOO_MANY_WS_TOKENS: restError(
    'MMC.111072068',
    429,
    'TOO_MANY_WS_TOKENS',
    'The meeting has `wsTokensPerMeeting` WebSocket tokens that are neither used nor expired; use them or wait a minute.',
  ),
  TOO_MANY_MEETINGS: restError(
    'MMC.111070020',
    403,
    'TOO_MANY_MEETINGS',
    'The enterprise has `meetingsPerEnterprise` meetings that have not ended.',
  ),
  TOO_MANY_ATTENDEES: restError(
    'MMC.111070021',
    403,
    'TOO_MANY_ATTENDEES',
    'The meeting would have more than `attendeesPerMeeting` attendees.',
  ),
  ENTERPRISE_ATTENDEE_LIMIT: restError(
    'MMC.111070022',
    403,
    'ENTERPRISE_ATTENDEE_LIMIT',
    'The meetings of the enterprise that have not ended would have more than `attendeesPerEnterprise` distinct attendees.',
  ),

  PARTICIPANT_NOT_FOUND: restError(
    'MMC.111072010',
    400,
    'PARTICIPANT_NOT_FOUND',
    'No online participant (or waiting-room member) has this participantID.',
  ),
  CONF_LOCKED: restError(
    'MMC.111072020',
    403,
    'CONF_LOCKED',
    'The meeting is locked: only the host may join by itself.',
  ),
  CONF_FULL: restError(
    'MMC.111072021',
    403,
    'CONF_PARTICIPANT_LIMIT',
    'The meeting has reached its concurrentParticipants limit.',
  ),
  CALL_IN_RESTRICTED: restError(
    'MMC.111072022',
    403,
    'CALL_IN_RESTRICTED',
    'callInRestriction refuses this site (enterprise users only, or invited users only).',
  ),
  SELF_UNMUTE_FORBIDDEN: restError(
    'MMC.111072023',
    403,
    'SELF_UNMUTE_FORBIDDEN',
    'Everyone is muted and participants may not unmute themselves.',
  ),
  SUBTITLE_NOT_SUPPORTED: restError(
    'MMC.111072085',
    400,
    'SUBTITLE_NOT_SUPPORTED',
    'The meeting does not support live captions.',
  ),
  SUBTITLE_PID_NULL: restError(
    'MMC.111072086',
    400,
    'CMS_CONF_REALTIME_SUBTITLE_PID_NULL',
    'Captions for specified speakers were asked without a speaker list.',
  ),
  SUBTITLE_PID_WRONG: restError(
    'MMC.111072087',
    400,
    'CMS_CONF_REALTIME_SUBTITLE_PID_WRONG',
    'A specified speaker ID is wrong, has left, or more than 4 were given.',
  ),
  SUBTITLE_NOT_ENABLED: restError(
    'MMC.111072088',
    400,
    'SUBTITLE_NOT_ENABLED',
    'A caption was reported while live captions are off (enable them with ConfControl REALTIMESUBTITLE).',
  ),
  INTERPRETER_LANGUAGE_INVALID: restError(
    'MMC.111071099',
    400,
    'INTERPRETER_LANGUAGE_INVALID',
    'An interpreter group has an invalid language code, or the same language twice.',
  ),
  INTERPRETER_TOO_MANY_LANGUAGES: restError(
    'MMC.111071100',
    400,
    'INTERPRETER_TOO_MANY_LANGUAGES',
    'More than 16 languages across the interpreter groups.',
  ),
  INTERPRETER_GROUP_DUPLICATE: restError(
    'MMC.111071101',
    400,
    'INTERPRETER_GROUP_DUPLICATE',
    'Two interpreter groups have the same groupID.',
  ),

  // --- gateway / generic ---
  NOT_FOUND: restError('APIGW.0101', 404, 'API_NOT_FOUND', 'No API at this method and path.'),
  BAD_REQUEST: restError(
    'APIGW.0400',
    400,
    'BAD_REQUEST',
    'The request is not valid HTTP (request line, header syntax or length); the connection is closed.',
  ),
  REQUEST_TIMEOUT: restError(
    'APIGW.0408',
    408,
    'REQUEST_TIMEOUT',
    'The request headers or body did not arrive in time; the connection is closed.',
  ),
  HEADERS_TOO_LARGE: restError(
    'APIGW.0431',
    431,
    'REQUEST_HEADER_FIELDS_TOO_LARGE',
    'The request line and headers exceed 16 KiB; the connection is closed.',
  ),
  PAYLOAD_TOO_LARGE: restError(
    'APIGW.0413',
    413,
    'PAYLOAD_TOO_LARGE',
    'The request body exceeds the size limit.',
  ),
  UNSUPPORTED_MEDIA_TYPE: restError(
    'APIGW.0415',
    415,
    'UNSUPPORTED_MEDIA_TYPE',
    'The body is not `application/json`.',
  ),
  INTERNAL_ERROR: restError(
    'MMC.111000500',
    500,
    'INTERNAL_ERROR',
    'An unexpected server error; nothing was changed. The `X-Request-Id` identifies it in the logs.',
  ),
  UNAVAILABLE: restError(
    'MMC.111000503',
    503,
    'SERVICE_UNAVAILABLE',
    'The server is starting or shutting down.',
  ),
} as const satisfies Record<string, RestErrorSpec>;

export type RestErrorName = keyof typeof REST_ERRORS;

function restError(code: string, status: number, msg: string, description: string): RestErrorSpec {
  return { code, status, msg, description };
}

/** The JSON body of every REST error. */
export interface RestErrorBody {
  error_code: string;
  error_msg: string;
}
