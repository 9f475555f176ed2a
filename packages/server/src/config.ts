/**
 * The one configuration schema. Flags (bin.ts), environment variables and a JSON config file all map onto it;
 * `resolveConfig` validates once, lists every problem, and returns a frozen object that is the only config passed
 * around.
 */
import { readFileSync } from 'node:fs';
import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { WEBHOOK_ENV_VARS, WEBHOOK_SETTINGS, webhookProblems } from './webhooks/settings.js';

export const ConfigSchema = Type.Object(
  {
    port: Type.Integer({
      minimum: 0,
      maximum: 65535,
      default: 8080,
      description: 'TCP port (0 = any free port).',
    }),
    host: Type.String({
      default: '0.0.0.0',
      description: 'Interface to listen on: every interface by default; with dev, 127.0.0.1 unless set.',
    }),
    dataDir: Type.String({
      default: './data',
      description:
        'Directory of the SQLite database files (confpush.sqlite; sinks.sqlite, the state of the webhooks).',
    }),
    publicUrl: Type.String({
      default: '',
      description:
        'Base URL clients reach this server at; `wsURL` is built from it (http→ws, https→wss). Empty = derived from host and port.',
    }),
    appId: Type.String({ default: '', description: 'App ID registered at start-up (with appKey).' }),
    appKey: Type.String({
      default: '',
      description: 'App key of appId; HMAC-SHA256 key of App ID authentication.',
    }),
    corpId: Type.String({
      default: '100000001',
      description: 'Enterprise (corp) ID that the start-up app belongs to.',
    }),
    dev: Type.Boolean({
      default: false,
      description:
        'Development mode: generate and print an app credential when none is configured, human-readable logs, listen on 127.0.0.1 unless host is set.',
    }),
    redisUrl: Type.String({ default: '', description: 'Redis URL; when set the node runs in cluster mode.' }),
    redisPrefix: Type.String({
      default: 'confpush:',
      minLength: 1,
      maxLength: 128,
      description: 'Cluster mode: prefix of every Redis key and channel (nodes of one cluster share it).',
    }),
    tlsCert: Type.String({
      default: '',
      description: 'PEM certificate file; with tlsKey serves HTTPS and WSS.',
    }),
    tlsKey: Type.String({ default: '', description: 'PEM private key file of tlsCert.' }),
    logLevel: Type.Union(
      ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => Type.Literal(l)),
      { default: 'info', description: 'Log level.' },
    ),
    heartbeatTimeoutMs: Type.Integer({
      minimum: 50,
      default: 180_000,
      description: 'Close a socket (4100) after this long without a HeartBeat frame.',
    }),
    pingIntervalMs: Type.Integer({
      minimum: 50,
      default: 30_000,
      description: 'WebSocket ping interval; a peer that misses one pong is dropped.',
    }),
    confTokenTtlMs: Type.Integer({
      minimum: 1000,
      default: 30 * 60_000,
      description: 'Meeting-control token lifetime.',
    }),
    confTokenGraceMs: Type.Integer({
      minimum: 0,
      default: 60_000,
      description:
        'A push socket whose control token expired (no keep-alive) is closed (4006) after this grace period, unless the token is renewed.',
    }),
    wsTokenTtlMs: Type.Integer({
      minimum: 100,
      default: 60_000,
      description: 'WebSocket token lifetime (single use).',
    }),
    accessTokenTtlMs: Type.Integer({
      minimum: 1000,
      default: 24 * 3_600_000,
      description: 'Access token lifetime (Huawei: 12–24 h).',
    }),
    logRetention: Type.Integer({
      minimum: 0,
      default: 1000,
      description: 'Incrementals kept per stream for resume.',
    }),
    maxFrameBytes: Type.Integer({
      minimum: 1024,
      default: 64 * 1024,
      description: 'Largest client WebSocket frame.',
    }),
    maxBodyBytes: Type.Integer({
      minimum: 1024,
      default: 1024 * 1024,
      description: 'Largest REST request body.',
    }),
    queueSoftLimitBytes: Type.Integer({
      minimum: 1024,
      default: 1024 * 1024,
      description: 'Outbound bytes queued on a socket past which its backlog collapses into full messages.',
    }),
    queueHardLimitBytes: Type.Integer({
      minimum: 1024,
      default: 8 * 1024 * 1024,
      description: 'Outbound bytes queued on a socket past which it is closed (4101).',
    }),
    syncMode: Type.Union([Type.Literal('full'), Type.Literal('normal')], {
      default: 'full',
      description: 'SQLite synchronous mode: full survives power loss, normal survives process crashes.',
    }),
    speakerIntervalMs: Type.Integer({
      minimum: 10,
      maximum: 60_000,
      default: 300,
      description:
        'Media plane: volume samples of a meeting are coalesced into at most one speaker update per this many ms.',
    }),
    calleeAnswerDelayMs: Type.Integer({
      minimum: -1,
      maximum: 600_000,
      default: 1500,
      description:
        'Media plane: simulated callees answer an invitation after this many ms (0 = at once, -1 = never: answers come through the media API).',
    }),
    calleeFailPattern: Type.String({
      maxLength: 256,
      default: '0000$',
      description: 'Media plane: invited numbers matching this regular expression fail their call.',
    }),
    calleeFailCode: Type.Integer({
      minimum: 1,
      maximum: 2_147_483_647,
      default: 11111003,
      description: 'Media plane: result code of a failing simulated call (default: SIP signalling timeout).',
    }),
    janusUrl: Type.String({
      default: '',
      description:
        'Janus bridge: the Janus WebSocket API (e.g. ws://127.0.0.1:8188); setting it turns the bridge on (docs/janus.md).',
    }),
    janusAdminKey: Type.String({
      default: '',
      description: 'Janus bridge: the VideoRoom admin_key, for creating rooms.',
    }),
    janusPublicUrl: Type.String({
      default: '',
      description: 'Janus bridge: the Janus URL browsers use, answered by the join API. Empty = janusUrl.',
    }),
    janusEventsSecret: Type.String({
      default: '',
      description:
        "Janus bridge: password of Janus's HTTP event handler (basic auth, user janus) posting to /confpush/v1/janus/events; required with janusUrl.",
    }),
    demo: Type.Boolean({
      default: false,
      description:
        'Keep a demo meeting ("confpush demo") busy with a looping scenario and print how to connect to it.',
    }),
    // --- relay in front of Huawei Cloud Meeting (src/relay/; docs/relay.md) ---
    upstreamUrl: Type.String({
      default: '',
      description:
        "Huawei Cloud Meeting API base URL; when set this node is a relay that mirrors the upstream's meetings.",
    }),
    upstreamAppId: Type.String({
      default: '',
      description: 'Relay: App ID of an enterprise administrator of the upstream (App ID authentication).',
    }),
    upstreamAppKey: Type.String({ default: '', description: 'Relay: app key of upstreamAppId.' }),
    upstreamMeetings: Type.String({
      default: '',
      description:
        'Relay: comma-separated conference IDs to follow; empty = every meeting of the enterprise in progress.',
    }),
    upstreamPollMs: Type.Integer({
      minimum: 100,
      default: 10_000,
      description:
        'Relay: how often the list of meetings in progress is read upstream (and a lost one retried).',
    }),
    // --- abuse limits (src/limits/; SECURITY.md). 0 = no limit. ---
    authFailureWindowMs: Type.Integer({
      minimum: 1000,
      default: 60_000,
      description: 'Window of the authentication-failure limits.',
    }),
    authFailuresPerAddress: Type.Integer({
      minimum: 0,
      default: 100,
      description:
        'Failed authentication attempts (app, account, meeting password) per client address and window; then every attempt from it is refused (429) until the window ends.',
    }),
    authFailuresPerTarget: Type.Integer({
      minimum: 0,
      default: 30,
      description:
        'Failed authentication attempts per app ID, account or meeting and window; then every attempt for it is refused (429) until the window ends.',
    }),
    wsTokensPerMeeting: Type.Integer({
      minimum: 0,
      default: 50_000,
      description: 'WebSocket tokens of one meeting that are neither used nor expired (429 past it).',
    }),
    connectionsPerAddress: Type.Integer({
      minimum: 0,
      default: 20_000,
      description: 'Open push connections per client address (4103 past it).',
    }),
    connectionsPerMeeting: Type.Integer({
      minimum: 0,
      default: 20_000,
      description: 'Open push connections per meeting (4103 past it).',
    }),
    framesPerSecond: Type.Integer({
      minimum: 0,
      default: 100,
      description: 'Frames a push connection may send per second on average (4008 past it).',
    }),
    frameBurst: Type.Integer({
      minimum: 1,
      default: 200,
      description: 'Frames a push connection may send at once before framesPerSecond applies.',
    }),
    meetingsPerEnterprise: Type.Integer({
      minimum: 0,
      default: 10_000,
      description: 'Meetings not ended (scheduled or in progress) per enterprise (403 past it).',
    }),
    attendeesPerEnterprise: Type.Integer({
      minimum: 0,
      default: 100_000,
      description: "Distinct attendees over an enterprise's meetings not ended (403 past it).",
    }),
    attendeesPerMeeting: Type.Integer({
      minimum: 0,
      default: 5000,
      description: 'Attendees (invited sites) per meeting (403 past it).',
    }),
    ...WEBHOOK_SETTINGS, // enterprise event push (docs/webhooks.md)
  },
  { additionalProperties: false },
);

export type Config = Readonly<Static<typeof ConfigSchema>>;

/** Environment variable of each setting. */
export const ENV_VARS: Readonly<Record<keyof Config, string>> = {
  port: 'PORT',
  host: 'HOST',
  dataDir: 'CONFPUSH_DATA_DIR',
  publicUrl: 'CONFPUSH_PUBLIC_URL',
  appId: 'CONFPUSH_APP_ID',
  appKey: 'CONFPUSH_APP_KEY',
  corpId: 'CONFPUSH_CORP_ID',
  dev: 'CONFPUSH_DEV',
  redisUrl: 'CONFPUSH_REDIS_URL',
  redisPrefix: 'CONFPUSH_REDIS_PREFIX',
  tlsCert: 'CONFPUSH_TLS_CERT',
  tlsKey: 'CONFPUSH_TLS_KEY',
  logLevel: 'CONFPUSH_LOG_LEVEL',
  heartbeatTimeoutMs: 'CONFPUSH_HEARTBEAT_TIMEOUT_MS',
  pingIntervalMs: 'CONFPUSH_PING_INTERVAL_MS',
  confTokenTtlMs: 'CONFPUSH_CONF_TOKEN_TTL_MS',
  confTokenGraceMs: 'CONFPUSH_CONF_TOKEN_GRACE_MS',
  wsTokenTtlMs: 'CONFPUSH_WS_TOKEN_TTL_MS',
  accessTokenTtlMs: 'CONFPUSH_ACCESS_TOKEN_TTL_MS',
  logRetention: 'CONFPUSH_LOG_RETENTION',
  maxFrameBytes: 'CONFPUSH_MAX_FRAME_BYTES',
  maxBodyBytes: 'CONFPUSH_MAX_BODY_BYTES',
  queueSoftLimitBytes: 'CONFPUSH_QUEUE_SOFT_LIMIT_BYTES',
  queueHardLimitBytes: 'CONFPUSH_QUEUE_HARD_LIMIT_BYTES',
  syncMode: 'CONFPUSH_SYNC_MODE',
  speakerIntervalMs: 'CONFPUSH_SPEAKER_INTERVAL_MS',
  calleeAnswerDelayMs: 'CONFPUSH_CALLEE_ANSWER_DELAY_MS',
  calleeFailPattern: 'CONFPUSH_CALLEE_FAIL_PATTERN',
  calleeFailCode: 'CONFPUSH_CALLEE_FAIL_CODE',
  janusUrl: 'CONFPUSH_JANUS_URL',
  janusAdminKey: 'CONFPUSH_JANUS_ADMIN_KEY',
  janusPublicUrl: 'CONFPUSH_JANUS_PUBLIC_URL',
  janusEventsSecret: 'CONFPUSH_JANUS_EVENTS_SECRET',
  demo: 'CONFPUSH_DEMO',
  upstreamUrl: 'CONFPUSH_UPSTREAM_URL',
  upstreamAppId: 'CONFPUSH_UPSTREAM_APP_ID',
  upstreamAppKey: 'CONFPUSH_UPSTREAM_APP_KEY',
  upstreamMeetings: 'CONFPUSH_UPSTREAM_MEETINGS',
  upstreamPollMs: 'CONFPUSH_UPSTREAM_POLL_MS',
  authFailureWindowMs: 'CONFPUSH_AUTH_FAILURE_WINDOW_MS',
  authFailuresPerAddress: 'CONFPUSH_AUTH_FAILURES_PER_ADDRESS',
  authFailuresPerTarget: 'CONFPUSH_AUTH_FAILURES_PER_TARGET',
  wsTokensPerMeeting: 'CONFPUSH_WS_TOKENS_PER_MEETING',
  connectionsPerAddress: 'CONFPUSH_CONNECTIONS_PER_ADDRESS',
  connectionsPerMeeting: 'CONFPUSH_CONNECTIONS_PER_MEETING',
  framesPerSecond: 'CONFPUSH_FRAMES_PER_SECOND',
  frameBurst: 'CONFPUSH_FRAME_BURST',
  meetingsPerEnterprise: 'CONFPUSH_MEETINGS_PER_ENTERPRISE',
  attendeesPerEnterprise: 'CONFPUSH_ATTENDEES_PER_ENTERPRISE',
  attendeesPerMeeting: 'CONFPUSH_ATTENDEES_PER_MEETING',
  ...WEBHOOK_ENV_VARS,
};

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n  ${problems.join('\n  ')}`);
    this.name = 'ConfigError';
  }
}

type Source = Record<string, unknown>;

/** Where `dev` listens when no host is set. */
export const DEV_HOST = '127.0.0.1';

/** Reads settings from the environment (strings are converted to the schema's types). */
export function configFromEnv(env: NodeJS.ProcessEnv = process.env): Source {
  const out: Source = {};
  for (const [key, name] of Object.entries(ENV_VARS)) {
    const raw = env[name];
    if (raw !== undefined && raw !== '') out[key] = raw;
  }
  return out;
}

export function configFromFile(path: string): Source {
  const parsed: unknown = JSON.parse(readFileSync(path, 'utf8'));
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new ConfigError([`${path}: not a JSON object`]);
  }
  return parsed as Source;
}

/** Merges sources (later wins), applies defaults, converts and validates. */
export function resolveConfig(...sources: Source[]): Config {
  const merged: Source = {};
  for (const source of sources) {
    for (const [k, v] of Object.entries(source)) if (v !== undefined) merged[k] = v;
  }
  const problems: string[] = [];
  for (const key of Object.keys(merged)) {
    if (!(key in ConfigSchema.properties)) problems.push(`unknown setting "${key}"`);
  }
  if (problems.length > 0) throw new ConfigError(problems);
  const converted = Value.Convert(ConfigSchema, merged) as Source;
  // A printed dev credential must not be reachable from the network unless the host is chosen explicitly.
  if (converted['dev'] === true && converted['host'] === undefined) converted['host'] = DEV_HOST;
  const value = Value.Default(ConfigSchema, converted);
  for (const error of Value.Errors(ConfigSchema, value)) {
    const key = error.path.slice(1);
    const env = ENV_VARS[key as keyof Config];
    problems.push(`${key}${env ? ` (${env})` : ''}: ${error.message}`);
  }
  const config = value as Config;
  if ((config.tlsCert === '') !== (config.tlsKey === ''))
    problems.push('tlsCert and tlsKey must be set together');
  if ((config.appId === '') !== (config.appKey === ''))
    problems.push('appId and appKey must be set together');
  if (config.queueHardLimitBytes < config.queueSoftLimitBytes) {
    problems.push('queueHardLimitBytes must be at least queueSoftLimitBytes');
  }
  try {
    new RegExp(config.calleeFailPattern);
  } catch {
    problems.push('calleeFailPattern (CONFPUSH_CALLEE_FAIL_PATTERN): not a valid regular expression');
  }
  if (config.janusUrl !== '' && !/^wss?:\/\//.test(config.janusUrl)) {
    problems.push('janusUrl (CONFPUSH_JANUS_URL): must be a ws:// or wss:// URL');
  }
  if (config.janusUrl !== '' && config.janusEventsSecret === '') {
    problems.push('janusEventsSecret (CONFPUSH_JANUS_EVENTS_SECRET) is required with janusUrl');
  }
  if (config.upstreamUrl !== '') problems.push(...upstreamProblems(config));
  problems.push(...webhookProblems(config));
  if (config.demo && config.appId === '' && !config.dev) {
    problems.push('demo needs an app credential: set appId and appKey, or run with dev');
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return Object.freeze(config);
}

function upstreamProblems(config: Config): string[] {
  const problems: string[] = [];
  if (!/^https?:\/\/[^/]/.test(config.upstreamUrl))
    problems.push('upstreamUrl (CONFPUSH_UPSTREAM_URL): not an http(s) URL');
  if (config.upstreamAppId === '' || config.upstreamAppKey === '')
    problems.push(
      'upstreamUrl needs upstreamAppId and upstreamAppKey (an App ID credential of the upstream)',
    );
  if (config.upstreamMeetings.split(',').some((id) => !/^\s*\d*\s*$/.test(id)))
    problems.push(
      'upstreamMeetings (CONFPUSH_UPSTREAM_MEETINGS): conference IDs are digits, comma-separated',
    );
  return problems;
}
