/**
 * The error catalogue: every refusal confpush can give, by a neutral name. For each, how REST answers it (HTTP
 * status and the Huawei-style body `{"error_code": code, "error_msg": msg}`), the `returnCode` a socket reply
 * carries when the refusal meets a socket frame, and what a client should do. The server's domain throws these
 * names; REST (the API's error handler) and the socket (the gateway's refusals) each translate them in one place.
 * docs/rest-api.md lists the same table and a test keeps them in step.
 */
import { REPLY_CODES, type ReplyCodeSpec } from './codes.js';

/** What a client should do after an error. */
export type ErrorAdvice =
  /** Transient (load, a limit that frees up, a server fault): try again later, with backoff. */
  | 'retry'
  /** The request is wrong as sent (a field, the meeting's state, a permission): retrying it unchanged cannot help. */
  | 'fix-request'
  /** The signature or the access token is no longer good: authenticate (or sign) again, then retry. */
  | 'reauthenticate'
  /** The meeting-control token is no longer good: obtain a new one (with the password), then retry. */
  | 'refresh-token'
  /** The meeting does not exist or is not running: neither retrying nor reconnecting can help. */
  | 'meeting-gone';

export interface ErrorSpec {
  /** Huawei-style `MODULE.number` code, sent as `error_code`. */
  readonly code: string;
  /** HTTP status of the REST answer. */
  readonly status: number;
  /** Sent as `error_msg`, followed by `: detail` when the refusal gives one. */
  readonly msg: string;
  /** The socket reply's `returnCode` when this refusal meets a socket frame; absent when it never can. */
  readonly reply?: ReplyCodeSpec;
  readonly advice: ErrorAdvice;
  readonly description: string;
}

export const ERRORS = {
  // --- authentication and tokens (USG.*) ---
  USG_INVALID_PARAMETER: {
    code: 'USG.201010001',
    status: 400,
    msg: 'INVALID_PARAMETER',
    advice: 'fix-request',
    description: 'A header or body field is missing or invalid; `error_msg` names it.',
  },
  APP_AUTH_FAILED: {
    code: 'USG.201040001',
    status: 401,
    msg: 'APP_AUTH_FAILED',
    advice: 'fix-request',
    description: 'Unknown app ID, malformed `Authorization` header, or a signature that does not match.',
  },
  SIGNATURE_EXPIRED: {
    code: 'USG.201040002',
    status: 401,
    msg: 'SIGNATURE_EXPIRED',
    advice: 'reauthenticate',
    description: 'The signed `expireTime` (unix seconds) is in the past.',
  },
  NONCE_REPLAYED: {
    code: 'USG.201040003',
    status: 401,
    msg: 'NONCE_REPLAYED',
    advice: 'reauthenticate',
    description: 'This `nonce` was already used with a signature still valid.',
  },
  NONCE_INVALID: {
    code: 'USG.201040004',
    status: 400,
    msg: 'NONCE_INVALID',
    advice: 'fix-request',
    description: '`nonce` must be 32 to 64 characters long.',
  },
  ACCOUNT_AUTH_FAILED: {
    code: 'USG.201040005',
    status: 401,
    msg: 'ACCOUNT_AUTH_FAILED',
    advice: 'fix-request',
    description: 'Unknown account or wrong password (never says which).',
  },
  ACCESS_TOKEN_INVALID: {
    code: 'USG.201040006',
    status: 401,
    msg: 'ACCESS_TOKEN_INVALID',
    advice: 'reauthenticate',
    description: '`X-Access-Token` (or the token to validate) is missing, unknown, revoked or expired.',
  },
  CORP_NOT_ALLOWED: {
    code: 'USG.201040007',
    status: 401,
    msg: 'CORP_NOT_ALLOWED',
    advice: 'fix-request',
    description: '`corpId` was sent for an app that is not an SP app, or names an unknown enterprise.',
  },
  TOO_MANY_ATTEMPTS: {
    code: 'USG.201040008',
    status: 429,
    msg: 'TOO_MANY_ATTEMPTS',
    advice: 'retry',
    description:
      'Too many failed authentication attempts from this client address, or for this app, account or meeting; retry after `authFailureWindowMs`.',
  },
  PERMISSION_DENIED: {
    code: 'USG.201030001',
    status: 403,
    msg: 'PERMISSION_DENIED',
    advice: 'fix-request',
    description: 'The caller may not perform this operation (e.g. not an administrator).',
  },
  ACCOUNT_EXISTS: {
    code: 'USG.201050001',
    status: 400,
    msg: 'ACCOUNT_EXISTS',
    advice: 'fix-request',
    description: 'An account with this name already exists.',
  },

  // --- meetings (MMC.*) ---
  MMC_INVALID_PARAMETER: {
    code: 'MMC.111070001',
    status: 400,
    msg: 'INVALID_PARAMETER',
    reply: REPLY_CODES.INVALID_DATA,
    advice: 'fix-request',
    description: 'A query, header or body field is missing or invalid; `error_msg` names it.',
  },
  CONF_NOT_EXIST: {
    code: 'MMC.111070005',
    status: 400,
    msg: 'CONF_NOT_EXIST',
    reply: REPLY_CODES.MEETING_NOT_IN_PROGRESS,
    advice: 'meeting-gone',
    description: 'No meeting with this `conferenceID` is visible to the caller.',
  },
  CONF_NO_PERMISSION: {
    code: 'MMC.111070003',
    status: 403,
    msg: 'CONF_NO_PERMISSION',
    advice: 'fix-request',
    description:
      'The meeting belongs to another user and the caller is not an administrator of its enterprise.',
  },
  CONF_ALREADY_STARTED: {
    code: 'MMC.111070010',
    status: 400,
    msg: 'CONF_ALREADY_STARTED',
    advice: 'fix-request',
    description: 'A started meeting cannot be edited, or cancelled without `type=1`.',
  },
  CONF_ENDED: {
    code: 'MMC.111070011',
    status: 400,
    msg: 'CONF_ENDED',
    advice: 'meeting-gone',
    description: 'The meeting has ended and cannot be changed or started again.',
  },
  CONF_NOT_STARTED: {
    code: 'MMC.111072005',
    status: 400,
    msg: 'CONF_NOT_STARTED_OR_ENDED',
    reply: REPLY_CODES.MEETING_NOT_IN_PROGRESS,
    advice: 'meeting-gone',
    description: 'The meeting is not in progress (not started yet or already ended).',
  },
  CONF_AUTH_FAILED: {
    code: 'MMC.111072065',
    status: 400,
    msg: 'CONF_NOT_FOUND_OR_AUTH_FAILED',
    reply: REPLY_CODES.CONF_TOKEN_INVALID,
    advice: 'refresh-token',
    description: 'Meeting not found, wrong host password, or an unknown meeting-control token.',
  },
  CONF_TOKEN_EXPIRED: {
    code: 'MMC.111072066',
    status: 401,
    msg: 'CONF_TOKEN_EXPIRED',
    reply: REPLY_CODES.CONF_TOKEN_EXPIRED,
    advice: 'refresh-token',
    description: 'The meeting-control token expired (30 minutes without keep-alive).',
  },
  CONF_NOT_CHAIR: {
    code: 'MMC.111072040',
    status: 403,
    msg: 'NOT_CHAIR',
    advice: 'fix-request',
    description: 'Only the host (a control token obtained with the host password) may do this.',
  },
  CONF_TOKEN_WRONG_MEETING: {
    code: 'MMC.111072067',
    status: 403,
    msg: 'CONF_TOKEN_WRONG_MEETING',
    reply: REPLY_CODES.CONF_TOKEN_WRONG_MEETING,
    advice: 'refresh-token',
    description: 'The meeting-control token was issued for another meeting.',
  },
  TOO_MANY_WS_TOKENS: {
    code: 'MMC.111072068',
    status: 429,
    msg: 'TOO_MANY_WS_TOKENS',
    advice: 'retry',
    description:
      'The meeting has `wsTokensPerMeeting` WebSocket tokens that are neither used nor expired; use them or wait a minute.',
  },
  TOO_MANY_MEETINGS: {
    code: 'MMC.111070020',
    status: 403,
    msg: 'TOO_MANY_MEETINGS',
    advice: 'fix-request',
    description: 'The enterprise has `meetingsPerEnterprise` meetings that have not ended.',
  },
  TOO_MANY_ATTENDEES: {
    code: 'MMC.111070021',
    status: 403,
    msg: 'TOO_MANY_ATTENDEES',
    advice: 'fix-request',
    description: 'The meeting would have more than `attendeesPerMeeting` attendees.',
  },
  ENTERPRISE_ATTENDEE_LIMIT: {
    code: 'MMC.111070022',
    status: 403,
    msg: 'ENTERPRISE_ATTENDEE_LIMIT',
    advice: 'fix-request',
    description:
      'The meetings of the enterprise that have not ended would have more than `attendeesPerEnterprise` distinct attendees.',
  },
  PARTICIPANT_NOT_FOUND: {
    code: 'MMC.111072010',
    status: 400,
    msg: 'PARTICIPANT_NOT_FOUND',
    advice: 'fix-request',
    description: 'No online participant (or waiting-room member) has this participantID.',
  },
  CONF_LOCKED: {
    code: 'MMC.111072020',
    status: 403,
    msg: 'CONF_LOCKED',
    advice: 'fix-request',
    description: 'The meeting is locked: only the host may join by itself.',
  },
  CONF_FULL: {
    code: 'MMC.111072021',
    status: 403,
    msg: 'CONF_PARTICIPANT_LIMIT',
    advice: 'retry',
    description: 'The meeting has reached its concurrentParticipants limit.',
  },
  CALL_IN_RESTRICTED: {
    code: 'MMC.111072022',
    status: 403,
    msg: 'CALL_IN_RESTRICTED',
    advice: 'fix-request',
    description: 'callInRestriction refuses this site (enterprise users only, or invited users only).',
  },
  SELF_UNMUTE_FORBIDDEN: {
    code: 'MMC.111072023',
    status: 403,
    msg: 'SELF_UNMUTE_FORBIDDEN',
    advice: 'fix-request',
    description: 'Everyone is muted and participants may not unmute themselves.',
  },
  SUBTITLE_NOT_SUPPORTED: {
    code: 'MMC.111072085',
    status: 400,
    msg: 'SUBTITLE_NOT_SUPPORTED',
    reply: REPLY_CODES.SUBTITLE_NOT_SUPPORTED,
    advice: 'fix-request',
    description: 'The meeting does not support live captions.',
  },
  SUBTITLE_PID_NULL: {
    code: 'MMC.111072086',
    status: 400,
    msg: 'CMS_CONF_REALTIME_SUBTITLE_PID_NULL',
    reply: REPLY_CODES.SUBTITLE_PID_NULL,
    advice: 'fix-request',
    description: 'Captions for specified speakers were asked without a speaker list.',
  },
  SUBTITLE_PID_WRONG: {
    code: 'MMC.111072087',
    status: 400,
    msg: 'CMS_CONF_REALTIME_SUBTITLE_PID_WRONG',
    reply: REPLY_CODES.SUBTITLE_PID_WRONG,
    advice: 'fix-request',
    description: 'A specified speaker ID is wrong, has left, or more than 4 were given.',
  },
  SUBTITLE_NOT_ENABLED: {
    code: 'MMC.111072088',
    status: 400,
    msg: 'SUBTITLE_NOT_ENABLED',
    advice: 'fix-request',
    description:
      'A caption was reported while live captions are off (enable them with ConfControl REALTIMESUBTITLE).',
  },
  INTERPRETER_LANGUAGE_INVALID: {
    code: 'MMC.111071099',
    status: 400,
    msg: 'INTERPRETER_LANGUAGE_INVALID',
    advice: 'fix-request',
    description: 'An interpreter group has an invalid language code, or the same language twice.',
  },
  INTERPRETER_TOO_MANY_LANGUAGES: {
    code: 'MMC.111071100',
    status: 400,
    msg: 'INTERPRETER_TOO_MANY_LANGUAGES',
    advice: 'fix-request',
    description: 'More than 16 languages across the interpreter groups.',
  },
  INTERPRETER_GROUP_DUPLICATE: {
    code: 'MMC.111071101',
    status: 400,
    msg: 'INTERPRETER_GROUP_DUPLICATE',
    advice: 'fix-request',
    description: 'Two interpreter groups have the same groupID.',
  },

  CONF_MIRRORED: {
    code: 'MMC.111000409',
    status: 409,
    msg: 'CONF_MIRRORED',
    reply: REPLY_CODES.CONF_MIRRORED,
    advice: 'fix-request',
    description:
      'Mirrored from upstream by a relay (docs/relay.md), the meeting changes only there: media-plane calls are refused.',
  },

  // --- gateway / generic ---
  NOT_FOUND: {
    code: 'APIGW.0101',
    status: 404,
    msg: 'API_NOT_FOUND',
    advice: 'fix-request',
    description: 'No API at this method and path.',
  },
  BAD_REQUEST: {
    code: 'APIGW.0400',
    status: 400,
    msg: 'BAD_REQUEST',
    advice: 'fix-request',
    description:
      'The request is not valid HTTP (request line, header syntax or length); the connection is closed.',
  },
  REQUEST_TIMEOUT: {
    code: 'APIGW.0408',
    status: 408,
    msg: 'REQUEST_TIMEOUT',
    advice: 'retry',
    description: 'The request headers or body did not arrive in time; the connection is closed.',
  },
  HEADERS_TOO_LARGE: {
    code: 'APIGW.0431',
    status: 431,
    msg: 'REQUEST_HEADER_FIELDS_TOO_LARGE',
    advice: 'fix-request',
    description: 'The request line and headers exceed 16 KiB; the connection is closed.',
  },
  PAYLOAD_TOO_LARGE: {
    code: 'APIGW.0413',
    status: 413,
    msg: 'PAYLOAD_TOO_LARGE',
    advice: 'fix-request',
    description: 'The request body exceeds the size limit.',
  },
  UNSUPPORTED_MEDIA_TYPE: {
    code: 'APIGW.0415',
    status: 415,
    msg: 'UNSUPPORTED_MEDIA_TYPE',
    advice: 'fix-request',
    description: 'The body is not `application/json`.',
  },
  INTERNAL_ERROR: {
    code: 'MMC.111000500',
    status: 500,
    msg: 'INTERNAL_ERROR',
    advice: 'retry',
    description:
      'An unexpected server error; nothing was changed. The `X-Request-Id` identifies it in the logs.',
  },
  UNAVAILABLE: {
    code: 'MMC.111000503',
    status: 503,
    msg: 'SERVICE_UNAVAILABLE',
    advice: 'retry',
    description: 'The server is starting or shutting down.',
  },
} as const satisfies Record<string, ErrorSpec>;

export type ErrorName = keyof typeof ERRORS;

/** The JSON body of every REST error. */
export interface RestErrorBody {
  error_code: string;
  error_msg: string;
}
