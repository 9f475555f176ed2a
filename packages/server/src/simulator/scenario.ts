/**
 * The scenario runner: drives a whole meeting on any confpush node through the client SDK (`@confpush/client`:
 * App ID authentication, meeting management, REST meeting control, the media-plane API, and a push session that
 * follows the participants and the waiting room and sends `ConfControl` frames) —
 * sites joining over time (some through the waiting room, admitted by the host), invitations (some failing),
 * talking, muting, raised hands, network quality (some degrading, then dropping), captions, sharing, camera, and
 * leaving with the documented reasons.
 *
 * Determinism: `plan(seed, params)` (plan.ts) decides the whole sequence of steps; `runScenario` only executes it,
 * one step at a time, in order, at the planned times. Pass n of a looping run uses seed + n. The same seed and
 * parameters therefore give the same sequence of API calls; only the IDs the server generates differ.
 */
import {
  ConfpushApiError,
  ConfpushClient,
  type MediaPlane,
  type MeetingControl,
  type MeetingSession,
  type WebSocketConstructor,
} from '@confpush/client';
import { CLOSE_CODES, ERRORS, type PushCategory } from '@confpush/protocol';
import { WebSocket } from 'ws';
import { LEAVE_REASONS } from '../domain/commands.js';
import { checkPlanParams, plan, type PlanParams, type Step } from './plan.js';
import { executeStep, type StepContext } from './steps.js';

export interface ScenarioOptions extends PlanParams {
  /** Base URL of the node, e.g. `http://127.0.0.1:8080`. */
  baseUrl: string;
  appId: string;
  appKey: string;
  seed: number;
  /** How to reach the node (default: global `fetch` and the `ws` package); the demo passes its own node's. */
  transport?: { fetch?: typeof fetch; WebSocket?: WebSocketConstructor };
  /** Drive this meeting (in progress) instead of creating one; needs `hostPassword`. */
  conferenceID?: string;
  hostPassword?: string;
  /** With `conferenceID`: when that meeting is not in progress (any more), create a new one instead of failing. */
  replaceEndedMeeting?: boolean;
  /** Before the first pass, make every site already in the meeting or its waiting room leave. */
  clearMeeting?: boolean;
  /** Subject of a created meeting. Default "confpush scenario". */
  subject?: string;
  /** Length of a created meeting, minutes (15–1440). Default 60. */
  meetingMinutes?: number;
  /** Passes to run; `Infinity` loops until `signal` aborts. Default 1. */
  passes?: number;
  signal?: AbortSignal;
  onProgress?: (event: ScenarioEvent) => void;
}

export interface MeetingInfo {
  conferenceID: string;
  hostPassword: string;
  /** Known when the runner created the meeting. */
  guestPassword?: string;
  created: boolean;
}

export type StepOutcome = 'ok' | 'skipped' | 'failed';

export type ScenarioEvent =
  | ({ kind: 'ready' } & MeetingInfo)
  | { kind: 'pass'; pass: number; seed: number; steps: number }
  | { kind: 'step'; pass: number; index: number; step: Step; outcome: StepOutcome; detail?: string }
  | { kind: 'passEnd'; pass: number; ok: number; skipped: number; failed: number };

export interface ScenarioResult extends MeetingInfo {
  passes: number;
  ok: number;
  skipped: number;
  failed: number;
  /** The first failures (at most 20), for the log. */
  failures: string[];
}

const MAX_FAILURES_KEPT = 20;
const ACCESS_TOKEN_REFRESH_MS = 3_600_000;
/** What the runner's own push session follows: sites by number, and who is left to clear. */
const CATEGORIES: readonly PushCategory[] = ['ParticipantsNotify', 'WaitingListNotify'];
/** Errors meaning the meeting is no longer in progress (or no longer ours to drive). */
const MEETING_GONE_CODES: ReadonlySet<string> = new Set([
  ERRORS.CONF_NOT_STARTED.code,
  ERRORS.CONF_NOT_EXIST.code,
  ERRORS.CONF_AUTH_FAILED.code,
]);

/** Runs the scenario; resolves when its passes are done or `signal` aborted it (after leaving cleanly). */
export async function runScenario(options: ScenarioOptions): Promise<ScenarioResult> {
  checkPlanParams(options);
  if (options.conferenceID !== undefined && !options.hostPassword) {
    throw new RangeError('hostPassword is required with conferenceID');
  }
  const runner = new Runner(options);
  return runner.run();
}

class MeetingGone extends Error {}

const MEETING_ENDED_CLOSE = CLOSE_CODES.MEETING_ENDED.code;

class Runner {
  readonly #o: ScenarioOptions;
  readonly #client: ConfpushClient;
  readonly #params: PlanParams;
  #meeting: MeetingInfo | undefined;
  #accessToken = '';
  #accessTokenAt = 0;
  /** The runner's push session: the participants and waiting room, `ConfControl`, a control token kept alive. */
  #session: MeetingSession | undefined;
  #meetingEnded = false;
  #mediaPlane: MediaPlane | undefined;
  #meetingControl: MeetingControl | undefined;
  /** Sites the runner has put in the meeting (or its waiting room), by site number. */
  readonly #pids = new Map<number, string>();
  /** Numbers of invited sites, by site number. */
  readonly #phones = new Map<number, string>();
  /** Live captions are on (switched on by the `captions` step). */
  readonly #captions = { on: false };
  #counts = { ok: 0, skipped: 0, failed: 0 };
  readonly #failures: string[] = [];

  constructor(options: ScenarioOptions) {
    this.#o = options;
    this.#client = new ConfpushClient({
      baseUrl: options.baseUrl,
      fetch: options.transport?.fetch,
      WebSocket: options.transport?.WebSocket ?? (WebSocket as unknown as WebSocketConstructor),
      categories: CATEGORIES,
    });
    this.#params = {
      participants: options.participants,
      durationMs: options.durationMs,
      rate: options.rate,
    };
  }

  get #aborted(): boolean {
    return this.#o.signal?.aborted === true;
  }

  async run(): Promise<ScenarioResult> {
    const passes = this.#o.passes ?? 1;
    let done = 0;
    try {
      await this.#connect(this.#o.conferenceID, this.#o.hostPassword);
      if (this.#o.clearMeeting) await this.#clearMeeting();
      for (let pass = 0; pass < passes && !this.#aborted; pass++) {
        try {
          if (await this.#runPass(pass)) done++;
        } catch (error) {
          if (!(error instanceof MeetingGone) || !this.#o.replaceEndedMeeting) throw error;
          // Someone ended the meeting: carry on in a new one.
          this.#pids.clear();
          this.#phones.clear();
          await this.#connect(undefined, undefined);
        }
      }
    } finally {
      await this.#leaveAll();
      this.#session?.close();
    }
    const meeting = this.#meeting!;
    return { ...meeting, passes: done, ...this.#counts, failures: [...this.#failures] };
  }

  /** Authentication, the meeting (given or created) and the runner's push session on it. */
  async #connect(conferenceID: string | undefined, hostPassword: string | undefined): Promise<void> {
    this.#session?.close();
    this.#session = undefined;
    this.#captions.on = false;
    await this.#authenticate();
    let meeting: MeetingInfo | undefined;
    if (conferenceID !== undefined && hostPassword !== undefined) {
      try {
        await this.#openSession(conferenceID, hostPassword);
        meeting = { conferenceID, hostPassword, created: false };
      } catch (error) {
        if (!(this.#classify(error) instanceof MeetingGone) || !this.#o.replaceEndedMeeting) throw error;
      }
    }
    if (!meeting) {
      const management = this.#client.meetings(() => this.#accessToken);
      const created = await management.create({
        subject: this.#o.subject ?? 'confpush scenario',
        mediaTypes: 'HDVideo',
        length: this.#o.meetingMinutes ?? 60,
      });
      if (created.state !== 'Created') await management.start(created.conferenceID, created.hostPassword);
      meeting = {
        conferenceID: created.conferenceID,
        hostPassword: created.hostPassword,
        ...(created.guestPassword !== undefined ? { guestPassword: created.guestPassword } : {}),
        created: true,
      };
      await this.#openSession(created.conferenceID, created.hostPassword);
    }
    this.#meeting = meeting;
    this.#mediaPlane = this.#client.mediaPlane(meeting.conferenceID, () => this.#accessToken);
    this.#o.onProgress?.({ kind: 'ready', ...meeting });
  }

  async #authenticate(): Promise<void> {
    const token = await this.#client.rest.appAuth({ appId: this.#o.appId, appKey: this.#o.appKey });
    this.#accessToken = token.accessToken;
    this.#accessTokenAt = Date.now();
  }

  /** The push session through the token chain; resolves once it has the participants and the waiting room. */
  async #openSession(conferenceID: string, hostPassword: string): Promise<void> {
    const session = this.#client.createSession({ conferenceID, hostPassword });
    this.#meetingEnded = false;
    session.on('closed', (code) => {
      if (code === MEETING_ENDED_CLOSE) this.#meetingEnded = true;
    });
    // Transient errors are the session's to retry; fatal ones end it, and the next step sees it closed.
    session.on('error', () => undefined);
    await session.start();
    this.#session = session;
    this.#meetingControl = session.control();
  }

  /** Long passes: a fresh access token now and then; a new push session if the last one ended. */
  async #refreshTokens(): Promise<void> {
    if (Date.now() - this.#accessTokenAt > ACCESS_TOKEN_REFRESH_MS) await this.#authenticate();
    if (this.#session?.state !== 'closed') return;
    if (this.#meetingEnded) throw new MeetingGone('the meeting ended');
    try {
      await this.#openSession(this.#meetingId, this.#meeting!.hostPassword);
    } catch (error) {
      throw this.#classify(error);
    }
  }

  get #meetingId(): string {
    return this.#meeting!.conferenceID;
  }

  /** Makes every site already present leave (a meeting left over from an earlier, interrupted run). */
  async #clearMeeting(): Promise<void> {
    const session = this.#session!;
    const pids = [...session.participants.keys(), ...session.waitingList.keys()];
    for (const pid of pids) {
      try {
        await this.#media.leave(pid, LEAVE_REASONS.HUNG_UP_BY_PORTAL);
      } catch {
        // Already gone.
      }
    }
  }

  /** Runs one pass; false when it was aborted before its end. */
  async #runPass(pass: number): Promise<boolean> {
    const seed = this.#o.seed + pass;
    const steps = plan(seed, this.#params);
    this.#o.onProgress?.({ kind: 'pass', pass, seed, steps: steps.length });
    const counts = { ok: 0, skipped: 0, failed: 0 };
    const start = Date.now();
    let completed = true;
    for (let index = 0; index < steps.length; index++) {
      const step = steps[index]!;
      await this.#sleepUntil(start + step.at);
      if (this.#aborted) {
        completed = false;
        break;
      }
      // Long passes: keep the tokens alive and the push socket open (cheap when nothing is due).
      await this.#refreshTokens();
      let outcome: StepOutcome;
      let detail: string | undefined;
      try {
        const skipped = await executeStep(step, this.#stepContext());
        outcome = skipped === undefined ? 'ok' : 'skipped';
        detail = skipped;
      } catch (error) {
        const classified = this.#classify(error);
        if (classified instanceof MeetingGone) throw classified;
        outcome = 'failed';
        detail = classified.message;
        if (this.#failures.length < MAX_FAILURES_KEPT)
          this.#failures.push(`pass ${pass} step ${index}: ${detail}`);
      }
      counts[outcome]++;
      this.#counts[outcome]++;
      this.#o.onProgress?.({
        kind: 'step',
        pass,
        index,
        step,
        outcome,
        ...(detail !== undefined ? { detail } : {}),
      });
    }
    // A pass leaves the meeting as it found it, even when steps failed.
    await this.#leaveAll();
    this.#o.onProgress?.({ kind: 'passEnd', pass, ...counts });
    return completed;
  }

  #classify(error: unknown): Error {
    if (error instanceof ConfpushApiError && MEETING_GONE_CODES.has(error.errorCode)) {
      return new MeetingGone(error.message);
    }
    return error instanceof Error ? error : new Error(String(error));
  }

  #sleepUntil(at: number): Promise<void> {
    const ms = at - Date.now();
    if (ms <= 0 || this.#aborted) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const signal = this.#o.signal;
      const done = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      signal?.addEventListener('abort', done, { once: true });
    });
  }

  get #media(): MediaPlane {
    return this.#mediaPlane!;
  }

  get #control(): MeetingControl {
    return this.#meetingControl!;
  }

  /** The pid of the online participant (in the meeting or being called) with this number. */
  #pidOfNumber(tel: string): string | undefined {
    for (const [pid, participant] of this.#session?.participants ?? [])
      if (participant.tel === tel) return pid;
    return undefined;
  }

  #stepContext(): StepContext {
    return {
      media: this.#media,
      control: this.#control,
      session: this.#session!,
      hostPassword: this.#meeting!.hostPassword,
      pids: this.#pids,
      phones: this.#phones,
      pidOf: (site) => this.#pidOf(site),
      captions: this.#captions,
    };
  }

  /** The pid of a site: one the runner put in, or an invited one found by its number. */
  #pidOf(site: number): string | undefined {
    const pid = this.#pids.get(site);
    if (pid !== undefined) return pid;
    const phone = this.#phones.get(site);
    return phone !== undefined ? this.#pidOfNumber(phone) : undefined;
  }

  /**
   * Every site the runner put in, or invited, that is still there leaves, and the numbers it invited leave the
   * attendee list (best effort: after an abort or failed steps, the meeting is left as the runner found it).
   */
  async #leaveAll(): Promise<void> {
    if (!this.#meeting || !this.#mediaPlane) return;
    const leaving = new Set(this.#pids.values());
    for (const phone of this.#phones.values()) {
      const pid = this.#pidOfNumber(phone);
      if (pid !== undefined) leaving.add(pid);
    }
    this.#pids.clear();
    for (const pid of leaving) {
      try {
        await this.#media.leave(pid, LEAVE_REASONS.LEFT_BY_ITSELF);
      } catch {
        // Already gone, or the meeting ended.
      }
    }
    for (const phone of this.#phones.values()) {
      try {
        await this.#control.deleteAttendees([phone]);
      } catch {
        // Not an attendee any more, or the meeting ended.
      }
    }
    this.#phones.clear();
  }
}
