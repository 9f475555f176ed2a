/**
 * `confpush watch <confID>`: the live meeting in the terminal. It follows the token chain from the host
 * password (SDK `MeetingSession`), and draws `render()` of the session's typed views:
 *
 * - on a TTY: on the alternate screen, redrawn in place at most 10 times a second (bursts coalesce), once a
 *   second for the clock, and on resize; when it ends, the last view is printed to the normal screen;
 * - piped: a snapshot at most once a second, separated by blank lines, diagnostics on stderr;
 * - `--once`: one snapshot after the initial sync, then exit (scriptable).
 *
 * Exits 0 when the meeting ends or on Ctrl-C, 1 on errors (the message says which REST error, close code or
 * Subscribe return code), 2 on bad usage.
 */
import type { InviteResult, MeetingSession, Subtitle } from '@confpush/client';
import {
  createSession,
  EXIT,
  exitAfterFlush,
  followLifecycle,
  meetingTarget,
  type Lifecycle,
} from './credentials.js';
import { colorEnabled } from './palette.js';
import { MAX_CAPTIONS, MAX_INVITE_RESULTS, render, type MeetingView } from './render.js';
import { RedrawScheduler, redrawSequence, TERMINAL } from './terminal.js';

/** Redraws per second, at most, on a terminal. */
const TTY_INTERVAL_MS = 100;
/** Snapshots per second, at most, when stdout is not a terminal. */
const PIPE_INTERVAL_MS = 1000;
const DEFAULT_COLUMNS = 120;
/** Names remembered of participants who left (the oldest are forgotten first). */
const MAX_KNOWN_NAMES = 10_000;

/**
 * What the view needs beyond the replica: invitation results and captions in the order they arrived (the
 * replica keeps only the latest per number and the latest caption), the names of participants who left, and
 * the reconnect counters.
 */
export class WatchModel {
  readonly #session: MeetingSession;
  readonly #invites: InviteResult[] = [];
  readonly #captions: Subtitle[] = [];
  readonly #names = new Map<string, string>();
  #resumes = 0;
  #rebuilds = 0;
  /** Set by the watcher: why the connection is not live right now. */
  lifecycle: Lifecycle | undefined;

  constructor(session: MeetingSession) {
    this.#session = session;
    session.on('inviteResult', ({ result }) => {
      this.#invites.push(result);
      if (this.#invites.length > MAX_INVITE_RESULTS) this.#invites.shift();
    });
    session.on('subtitle', ({ subtitle }) => this.#addCaption(subtitle));
    for (const event of ['participantJoined', 'participantUpdated', 'participantLeft'] as const) {
      session.on(event, ({ participant }) => {
        if (participant.name === undefined) return;
        this.#names.delete(participant.pid);
        this.#names.set(participant.pid, participant.name);
        if (this.#names.size > MAX_KNOWN_NAMES) this.#names.delete(this.#names.keys().next().value!);
      });
    }
    session.on('resumed', () => this.#resumes++);
    session.on('rebuilt', (_category, reason) => {
      if (reason !== 'initial') this.#rebuilds++;
    });
  }

  /** A caption that refines the previous one (same message ID, or the unfinished sentence of the same speaker) replaces it. */
  #addCaption(subtitle: Subtitle): void {
    const last = this.#captions.at(-1);
    const id = subtitle.msgs[0]?.id;
    const refines =
      last !== undefined &&
      ((id !== undefined && last.msgs[0]?.id === id) ||
        (last.isFinal === false && last.participantID === subtitle.participantID));
    if (refines) this.#captions[this.#captions.length - 1] = subtitle;
    else this.#captions.push(subtitle);
    if (this.#captions.length > MAX_CAPTIONS) this.#captions.shift();
  }

  view(now: number): MeetingView {
    const s = this.#session;
    return {
      conferenceID: s.conferenceID,
      basicInfo: s.basicInfo,
      status: s.status,
      participants: s.participants,
      netConditions: s.netConditions,
      speakers: s.speakers,
      waitingList: s.waitingList,
      inviteResults: [...this.#invites],
      captions: [...this.#captions],
      knownNames: this.#names,
      connection: {
        state: s.state,
        reconnects: s.stats.reconnects,
        resumes: this.#resumes,
        rebuilds: this.#rebuilds,
        detail: this.lifecycle?.lastError?.message,
      },
      now,
    };
  }
}

function columnsFromEnv(): number | undefined {
  const n = Number(process.env['COLUMNS']);
  return Number.isInteger(n) && n > 0 ? n : undefined;
}

export async function watchCommand(confID: string, options: Record<string, unknown>): Promise<void> {
  const target = meetingTarget(confID, options);
  const once = options['once'] === true;
  const out = process.stdout;
  const live = out.isTTY === true && !once;
  const color = colorEnabled(out, process.env);
  const session = createSession(target);
  const model = new WatchModel(session);
  /** The view; `fit` shortens it to the screen's height (for the in-place redraw). */
  const lines = (fit = false) =>
    render(model.view(Date.now()), {
      width: out.columns ?? columnsFromEnv() ?? DEFAULT_COLUMNS,
      height: fit ? out.rows : undefined,
      color,
    });
  const log = (message: string) => process.stderr.write(`confpush watch: ${message}\n`);

  let onScreen = false;
  let drawing = false;
  const scheduler = new RedrawScheduler(
    () => {
      if (!drawing) return;
      if (live) out.write(redrawSequence(lines(true)));
      else out.write(`${lines().join('\n')}\n\n`);
    },
    { intervalMs: live ? TTY_INTERVAL_MS : PIPE_INTERVAL_MS },
  );
  let ticker: ReturnType<typeof setInterval> | undefined;
  let finished = false;
  const finish = (code: number, message: string | undefined) => {
    if (finished) return;
    finished = true;
    scheduler.stop();
    if (ticker) clearInterval(ticker);
    if (onScreen) {
      out.write(TERMINAL.leave);
      // Leave the last state, whole, on the normal screen.
      out.write(`${lines().join('\n')}\n`);
    } else if (drawing && !once) {
      out.write(`${lines().join('\n')}\n`);
    }
    drawing = false;
    if (message) log(message);
    session.close();
    exitAfterFlush(code);
  };

  model.lifecycle = followLifecycle(session, target, {
    // While the view is on screen, it shows the connection state itself.
    log: (message) => {
      if (!onScreen) log(message);
    },
    end: finish,
  });
  out.on('error', (error: NodeJS.ErrnoException) =>
    finish(error.code === 'EPIPE' ? EXIT.OK : EXIT.ERROR, undefined),
  );
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => finish(EXIT.OK, undefined));

  log(`connecting to ${target.baseUrl} for meeting ${target.conferenceID}`);
  try {
    await session.start();
  } catch {
    return; // `closed` follows every failed start, and `finish` reports it.
  }
  if (finished) return;
  if (once) {
    out.write(`${lines().join('\n')}\n`);
    return finish(EXIT.OK, undefined);
  }
  drawing = true;
  if (live) {
    out.write(TERMINAL.enter);
    onScreen = true;
    out.on('resize', () => scheduler.flush());
    ticker = setInterval(() => scheduler.request(), 1000);
  }
  scheduler.flush();
  for (const event of ['change', 'state'] as const) session.on(event, () => scheduler.request());
}
