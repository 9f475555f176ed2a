/**
 * The meeting-control token and the WebSocket token (reference §5.1 CreateConfToken, CreateWebSocketToken), and
 * what the calls beside them (end the meeting, the attendee calls) share: the control-token header and the empty
 * answer.
 */
import { Type, type Static } from '@sinclair/typebox';

/**
 * `X-Conference-Authorization` as the token, stop and attendee calls declare it: optional in the schema, so that a
 * missing token is answered by the token check, not by validation.
 */
export const ControlTokenHeaders = Type.Object({
  'x-conference-authorization': Type.Optional(Type.String({ maxLength: 512 })),
});

/** Huawei's control calls answer 200 with no body. */
export const ControlEmptyBody = Type.Unknown({ description: 'Empty body' });

/** `GET /v1/mmc/control/conferences/token`: the host (or guest) password, or the current token to extend it. */
export const ConfTokenHeaders = Type.Object({
  'x-password': Type.Optional(Type.String({ maxLength: 64 })),
  'x-login-type': Type.Optional(Type.String({ maxLength: 8 })),
  'x-conference-authorization': Type.Optional(Type.String({ maxLength: 512 })),
  'x-nonce': Type.Optional(Type.String({ maxLength: 256 })),
});

/** `data` of the meeting-control token response (Huawei `TokenInfo`). */
export const TokenInfoSchema = Type.Object({
  /** Meeting-control token (30 min; extended by asking again with the token). */
  token: Type.String(),
  /** A WebSocket token issued with the control token. */
  tmpWsToken: Type.String(),
  /** Prefix of the push socket URL (scheme, host, optional port). */
  wsURL: Type.String(),
  /** 1 host, 0 ordinary participant. */
  role: Type.Integer(),
  /** Token expiry, epoch ms. */
  expireTime: Type.Integer(),
  userID: Type.String(),
  orgID: Type.String(),
  participantID: Type.String(),
  /** Token lifetime in seconds. */
  confTokenExpireTime: Type.Integer(),
  vmrCurrentConfID: Type.String(),
  /** Push categories the meeting supports. */
  supportNotifyType: Type.Array(Type.String()),
});
export type TokenInfo = Static<typeof TokenInfoSchema>;

export const ConfTokenResponseSchema = Type.Object({
  data: TokenInfoSchema,
  addressToken: Type.String(),
  gloablPublicIP: Type.String(),
});

export const WsTokenResponseSchema = Type.Object({ webSocketToken: Type.String() });
