/**
 * What the node's logger never writes: credentials in headers, and secret fields of bodies, configurations and
 * records, wherever a log call might carry them (top level or one object down, e.g. `{ req: { headers } }`,
 * `{ body: { password } }`, `{ config: { appKey } }`). Defence in depth: no log call of confpush passes any of these
 * today, and a test (test/secrets.test.ts) runs requests full of secrets through a `trace` logger to keep it so.
 */
const HEADERS = ['authorization', 'x-access-token', 'x-conference-authorization', 'x-password', 'cookie'];

const FIELDS = [
  'password',
  'pwd',
  'chairmanPwd',
  'chairPwd',
  'guestPwd',
  'hostPassword',
  'passwordHash',
  'appKey',
  'confToken',
  'accessToken',
  'refreshToken',
  'tmpToken',
  'tmpWsToken',
  'webSocketToken',
  'token',
  // The Janus bridge: its settings and what its requests to Janus carry.
  'janusAdminKey',
  'janusEventsSecret',
  'admin_key',
  'secret',
];

export const LOG_REDACT = {
  paths: [
    ...HEADERS.flatMap((h) => [`headers["${h}"]`, `req.headers["${h}"]`, `request.headers["${h}"]`]),
    ...FIELDS.flatMap((f) => [f, `*.${f}`, `*.*.${f}`]),
  ],
  censor: '[redacted]',
};
