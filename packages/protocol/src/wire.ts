/** Values of the REST token chain and the push socket that both ends write (Huawei's names and numbers). */

/** `clientType` of API callers (Huawei: 72 = API call; up to 64 live tokens per user, other types keep one). */
export const API_CLIENT_TYPE = 72;

/** Request headers of the token chain. HTTP header names are case-insensitive; Node lower-cases them on receipt. */
export const HEADERS = {
  /** The access token of the management and admin APIs. */
  accessToken: 'X-Access-Token',
  /** The meeting-control token (also sent to keep it alive). */
  conferenceAuthorization: 'X-Conference-Authorization',
  /** The host (or guest) password for a meeting-control token, with `X-Login-Type: 1`. */
  password: 'X-Password',
  loginType: 'X-Login-Type',
  /** Sent with App ID authentication, always `LongTicket`. */
  tokenType: 'X-Token-Type',
} as const;

/** `X-Login-Type` of a meeting-control token requested with a meeting password. */
export const LOGIN_TYPE_PASSWORD = '1';

/** `X-Token-Type` of App ID authentication. */
export const TOKEN_TYPE_LONG_TICKET = 'LongTicket';

/** Path of the push socket (Huawei §4), appended to the `wsURL` of the meeting-control token. */
export const PUSH_PATH = '/cms/open/websocket/confctl/increment/conn';

/** The URL of the push socket: `wsURL` + path + `confID` + `tmpToken`. */
export function pushSocketUrl(wsURL: string, conferenceID: string, wsToken: string): string {
  const base = wsURL.replace(/\/+$/, '');
  return (
    `${base}${PUSH_PATH}?confID=${encodeURIComponent(conferenceID)}` +
    `&tmpToken=${encodeURIComponent(wsToken)}`
  );
}
