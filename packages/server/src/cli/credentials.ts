/**
 * What `confpush watch` and `confpush tail` share: the options that say which meeting to follow and how to get
 * in (server URL, host password, categories), the SDK session built from them, error messages, and exiting.
 *
 * Exit codes: 0 when the meeting ended (close 4005) or on Ctrl-C, 1 on errors, 2 on bad usage.
 */
import { CLOSE_CODES, ERRORS, PUSH_CATEGORIES, REPLY_CODES, type PushCategory } from '@confpush/protocol';
import {
  ConfpushApiError,
  ConfpushClient,
  ConfpushCloseError,
  ConfpushSubscribeError,
  type MeetingSession,
  type WebSocketConstructor,
} from '@confpush/client';
import { Argument, InvalidArgumentError, Option, type Command } from 'commander';
import WebSocket from 'ws';

export const EXIT = { OK: 0, ERROR: 1, USAGE: 2 } as const;

/** Close code of a meeting that ended (`CLOSE_CODES.MEETING_ENDED`). */
const MEETING_ENDED = CLOSE_CODES.MEETING_ENDED.code;

export const DEFAULT_URL = 'http://127.0.0.1:8080';

/** The meeting to follow and the credentials of the token chain (the control token needs only the password). */
export interface MeetingTarget {
  /** REST base URL, without a trailing slash. */
  baseUrl: string;
  conferenceID: string;
  /** Host password (`X-Password` of the meeting-control token). */
  password: string;
  categories: readonly PushCategory[];
}

/** `http(s)://…` without a trailing slash; anything else is a usage error. */
export function parseBaseUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new InvalidArgumentError('expected an http:// or https:// URL, e.g. http://127.0.0.1:8080');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new InvalidArgumentError('expected an http:// or https:// URL, e.g. http://127.0.0.1:8080');
  }
  return value.replace(/\/+$/, '');
}

const CATEGORY_BY_NAME = new Map<string, PushCategory>();
for (const category of PUSH_CATEGORIES) {
  CATEGORY_BY_NAME.set(category.toLowerCase(), category);
  CATEGORY_BY_NAME.set(category.toLowerCase().replace(/notify$/, ''), category);
}

/**
 * A comma-separated list of push categories: names as in the protocol, case-insensitive, the `Notify` suffix
 * optional (`participants,speakerchange` = `ParticipantsNotify,SpeakerChangeNotify`); `all` = every category.
 */
export function parseCategories(value: string): PushCategory[] {
  const names = value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  if (names.length === 0) throw new InvalidArgumentError('name at least one category');
  const out = new Set<PushCategory>();
  for (const name of names) {
    if (name.toLowerCase() === 'all') return [...PUSH_CATEGORIES];
    const category = CATEGORY_BY_NAME.get(name.toLowerCase());
    if (!category) {
      throw new InvalidArgumentError(`unknown category "${name}"; known: ${PUSH_CATEGORIES.join(', ')}`);
    }
    out.add(category);
  }
  return [...out];
}

/** A conference ID: digits as Huawei issues them (letters, `-` and `_` are let through for other servers). */
export function parseConferenceId(value: string): string {
  const id = value.trim();
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(id)) {
    throw new InvalidArgumentError('expected a conference ID such as 912345678');
  }
  return id;
}

/**
 * Adds the `<confID>` argument and the shared options to `command`, and makes commander's own usage errors
 * (missing argument, unknown option, bad value) exit with 2.
 */
export function withMeetingOptions(command: Command): Command {
  return command
    .addArgument(
      new Argument('<confID>', 'conference ID of a meeting in progress').argParser(parseConferenceId),
    )
    .addOption(
      new Option('--url <base>', 'REST base URL of the server')
        .env('CONFPUSH_URL')
        .default(DEFAULT_URL)
        .argParser(parseBaseUrl),
    )
    .addOption(
      new Option('--password <password>', 'host password of the meeting (the control token needs it)')
        .env('CONFPUSH_HOST_PASSWORD')
        .makeOptionMandatory(),
    )
    .addOption(
      new Option(
        '--categories <list>',
        'comma-separated push categories, e.g. participants,speakerchange (Notify suffix optional; default: all)',
      ).argParser(parseCategories),
    )
    .addHelpText(
      'after',
      [
        '',
        'The meeting-control token is obtained with the host password, then a one-time',
        'WebSocket token for every (re)connect; after a reconnect the subscription resumes.',
        '',
        'Exit codes: 0 the meeting ended, or Ctrl-C; 1 an error (the REST error_code,',
        'close code or Subscribe returnCode is printed); 2 bad usage.',
      ].join('\n'),
    )
    .exitOverride((error) => {
      // --help and --version end with 0; every other commander error is a usage error.
      process.exit(error.exitCode === 0 ? EXIT.OK : EXIT.USAGE);
    });
}

/** The target from commander's parsed argument and options (already validated by the parsers above). */
export function meetingTarget(confID: string, options: Record<string, unknown>): MeetingTarget {
  const categories = options['categories'];
  return {
    baseUrl: typeof options['url'] === 'string' ? options['url'] : DEFAULT_URL,
    conferenceID: confID,
    password: String(options['password'] ?? ''),
    categories: Array.isArray(categories) ? (categories as PushCategory[]) : [...PUSH_CATEGORIES],
  };
}

/** A session (not started) that follows the token chain from the host password, over the `ws` package. */
export function createSession(
  target: MeetingTarget,
  WebSocketImpl: WebSocketConstructor = WebSocket as unknown as WebSocketConstructor,
): MeetingSession {
  const client = new ConfpushClient({
    baseUrl: target.baseUrl,
    categories: target.categories,
    WebSocket: WebSocketImpl,
  });
  return client.createSession({
    conferenceID: target.conferenceID,
    hostPassword: target.password,
    categories: target.categories,
  });
}

const REST_DESCRIPTIONS = new Map<string, string>(
  Object.values(ERRORS).map((spec) => [spec.code, spec.description]),
);
const CLOSE_DESCRIPTIONS = new Map<number, string>(
  Object.values(CLOSE_CODES).map((spec) => [spec.code, spec.description]),
);
const REPLY_DESCRIPTIONS = new Map<number, string>(
  Object.values(REPLY_CODES).map((spec) => [spec.code, spec.description]),
);

function explain(description: string | undefined): string {
  return description ? ` (${description.replace(/\.$/, '')})` : '';
}

/** One line for a person: what failed, in the protocol's terms (REST error code, close code, return code). */
export function describeError(error: unknown, target: MeetingTarget): string {
  if (error instanceof ConfpushApiError) {
    if (error.status === 0) {
      return `cannot reach ${target.baseUrl}: ${innermostMessage(error) ?? error.errorMsg} (${error.errorCode})`;
    }
    return (
      `${target.baseUrl} refused the request: HTTP ${error.status} error_code ${error.errorCode} ` +
      `error_msg ${error.errorMsg}${explain(REST_DESCRIPTIONS.get(error.errorCode))}`
    );
  }
  if (error instanceof ConfpushCloseError) {
    const reason = error.reason ? ` ${error.reason}` : '';
    return `the push socket was closed with ${error.code}${reason}${explain(CLOSE_DESCRIPTIONS.get(error.code))}`;
  }
  if (error instanceof ConfpushSubscribeError) {
    const described = explain(REPLY_DESCRIPTIONS.get(error.returnCode));
    return `Subscribe was refused: returnCode ${error.returnCode} ${error.returnDesc}${described}`;
  }
  return error instanceof Error ? error.message : String(error);
}

/** The message of the deepest `cause` (fetch says "fetch failed"; its cause says "connect ECONNREFUSED …"). */
function innermostMessage(error: Error): string | undefined {
  let message: string | undefined;
  let current: unknown = error.cause;
  for (let depth = 0; depth < 5 && current instanceof Error; depth++) {
    message = current.message || message;
    current = current.cause;
  }
  return message;
}

/**
 * Why a session that never went live failed: the fatal error, with the last transient one when the SDK gave
 * up after several attempts (so "gave up after 3 attempts" also says what went wrong each time).
 */
export function startFailure(
  error: unknown,
  lastTransient: Error | undefined,
  target: MeetingTarget,
): string {
  const message = describeError(error, target);
  if (lastTransient && lastTransient !== error && /gave up/.test(message)) {
    return `${message}; last error: ${describeError(lastTransient, target)}`;
  }
  return message;
}

export interface LifecycleHooks {
  /** A line of progress or diagnostics (the commands write these to stderr). */
  log(message: string): void;
  /** The session ended for good: the exit code, and what to tell the user (undefined: nothing). */
  end(code: number, message: string | undefined): void;
}

export interface Lifecycle {
  /** The session has been live at least once. */
  readonly everLive: boolean;
  /** The last transient error (the reason of the current or last reconnect). */
  readonly lastError: Error | undefined;
}

/**
 * Reports a session's life through `hooks`: live, reconnecting (with the reason), resumed and rebuilt
 * categories (after the first state), and its end with the exit code: 0 when the meeting ended after the
 * session was live or when it was closed on purpose, 1 otherwise (wrong password, meeting not in progress,
 * server unreachable after the initial attempts, a terminal close code).
 */
export function followLifecycle(
  session: MeetingSession,
  target: MeetingTarget,
  hooks: LifecycleHooks,
): Lifecycle {
  const life = { everLive: false, lastError: undefined as Error | undefined };
  let fatal: Error | undefined;
  session.on('state', ({ newState }) => {
    if (newState === 'live') {
      hooks.log(
        life.everLive
          ? 'live again'
          : `live: meeting ${target.conferenceID}, ${target.categories.length} categories subscribed`,
      );
      life.everLive = true;
    } else if (newState === 'reconnecting') {
      const why = life.lastError ? ` (${describeError(life.lastError, target)})` : '';
      hooks.log(`${life.everLive ? 'reconnecting' : 'retrying'}${why}`);
    }
  });
  session.on('error', (error, isFatal) => {
    if (isFatal) fatal = error;
    else life.lastError = error;
  });
  session.on('resumed', (category, from, to) =>
    hooks.log(
      to > from ? `resumed ${category}: replayed ${from + 1}–${to}` : `resumed ${category}: nothing missed`,
    ),
  );
  session.on('rebuilt', (category, reason) => {
    if (reason !== 'initial') hooks.log(`rebuilt ${category} from a full message (${reason})`);
  });
  session.on('closed', (code) => {
    if (code === MEETING_ENDED && life.everLive) {
      return hooks.end(EXIT.OK, `meeting ${target.conferenceID} ended`);
    }
    if (code === MEETING_ENDED) {
      const why = fatal && !(fatal instanceof ConfpushCloseError) ? ` (${describeError(fatal, target)})` : '';
      return hooks.end(EXIT.ERROR, `meeting ${target.conferenceID} is not in progress${why}`);
    }
    if (fatal) {
      const message = life.everLive
        ? describeError(fatal, target)
        : startFailure(fatal, life.lastError, target);
      return hooks.end(EXIT.ERROR, message);
    }
    if (code === 1000) return hooks.end(EXIT.OK, undefined);
    return hooks.end(EXIT.ERROR, `the push socket was closed with ${code}`);
  });
  return life;
}

/** Exits with `code` once what was written to stdout and stderr has been handed to the OS. */
export function exitAfterFlush(code: number): void {
  let pending = 2;
  const done = () => {
    if (--pending === 0) process.exit(code);
  };
  for (const stream of [process.stdout, process.stderr]) {
    if (stream.destroyed || !stream.writable) done();
    else stream.write('', () => done());
  }
  // A stream that never drains (a stuck pipe) must not keep the process alive.
  setTimeout(() => process.exit(code), 2000).unref();
}
