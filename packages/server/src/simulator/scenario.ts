/**
 * The scenario runner: drives a whole meeting on any confpush node through its HTTP API and push socket —
 * sites joining over time (some through the waiting room, admitted by the host), invitations (some failing),
 * talking, muting, raised hands, network quality (some degrading, then dropping), captions, sharing, camera, and
 * leaving with the documented reasons.
 *
 * Determinism: `plan(seed, params)` (plan.ts) decides the whole sequence of steps; `runScenario` only executes it,
 * one step at a time, in order, at the planned times. Pass n of a looping run uses seed + n. The same seed and
 * parameters therefore give the same sequence of API calls; only the IDs the server generates differ.
 */
import { LEAVE_REASONS } from '../domain/commands.js';
import { ApiCallError, ConfpushApi, readJoinAnswer } from './api-client.js';
import { checkPlanParams, plan, type PlanParams, type Step } from './plan.js';
import { RunnerSocket } from './push-socket.js';

export interface ScenarioOptions extends PlanParams {
  /** Base URL of the node, e.g. `http://127.0.0.1:8080`. */
  baseUrl: string;
  appId: string;
  appKey: string;
  seed: number;
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
  /** Sent with every REST call. */
  requestHeaders?: Record<string, string>;
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
const CONF_TOKEN_REFRESH_MS = 10 * 60_000;
/** Errors meaning the meeting is no longer in progress (or no longer ours to drive). */
const MEETING_GONE_CODES = new Set(['MMC.111072005', 'MMC.111070005', 'MMC.111072065']);

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

class Runner {
  readonly #o: ScenarioOptions;
  readonly #api: ConfpushApi;
  readonly #params: PlanParams;
  #meeting: MeetingInfo | undefined;
  #accessToken = '';
  #accessTokenAt = 0;
  #confToken = '';
  #confTokenAt = 0;
  #wsURL = '';
  #socket: RunnerSocket | undefined;
  /** Sites the runner has put in the meeting (or its waiting room), by site number. */
  readonly #pids = new Map<number, string>();
  /** Numbers of invited sites, by site number. */
  readonly #phones = new Map<number, string>();
  #captionsOn = false;
  #counts = { ok: 0, skipped: 0, failed: 0 };
  readonly #failures: string[] = [];

  constructor(options: ScenarioOptions) {
    this.#o = options;
    this.#api = new ConfpushApi(options.baseUrl, options.requestHeaders);
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
      this.#socket?.close();
    }
    const meeting = this.#meeting!;
    return { ...meeting, passes: done, ...this.#counts, failures: [...this.#failures] };
  }

  /** Authentication, the meeting (given or created), a control token and the push socket. */
  async #connect(conferenceID: string | undefined, hostPassword: string | undefined): Promise<void> {
    this.#socket?.close();
    this.#socket = undefined;
    this.#captionsOn = false;
    this.#accessToken = await this.#api.appAuth(this.#o.appId, this.#o.appKey);
    this.#accessTokenAt = Date.now();
    let meeting: MeetingInfo | undefined;
    let token: { token: string; wsURL: string } | undefined;
    if (conferenceID !== undefined && hostPassword !== undefined) {
      try {
        token = await this.#api.controlToken(conferenceID, { password: hostPassword });
        meeting = { conferenceID, hostPassword, created: false };
      } catch (error) {
        const gone = error instanceof ApiCallError && MEETING_GONE_CODES.has(error.errorCode);
        if (!gone || !this.#o.replaceEndedMeeting) throw error;
      }
    }
    if (!meeting || !token) {
      const created = await this.#api.createMeeting(
        this.#accessToken,
        this.#o.subject ?? 'confpush scenario',
        this.#o.meetingMinutes ?? 60,
      );
      meeting = {
        conferenceID: created.conferenceID,
        hostPassword: created.hostPassword,
        guestPassword: created.guestPassword,
        created: true,
      };
      token = await this.#api.controlToken(created.conferenceID, { password: created.hostPassword });
    }
    this.#meeting = meeting;
    this.#confToken = token.token;
    this.#confTokenAt = Date.now();
    this.#wsURL = token.wsURL.replace(/\/+$/, '');
    await this.#openSocket();
    this.#o.onProgress?.({ kind: 'ready', ...meeting });
  }

  /** The push socket through the token chain: WebSocket token, then the connection URL. */
  async #openSocket(): Promise<void> {
    const id = this.#meetingId;
    const tmp = await this.#api.webSocketToken(id, this.#confToken);
    const url = `${this.#wsURL}/cms/open/websocket/confctl/increment/conn?confID=${encodeURIComponent(id)}&tmpToken=${encodeURIComponent(tmp)}`;
    this.#socket = await RunnerSocket.open(url, this.#confToken);
  }

  async #refreshTokens(): Promise<void> {
    const now = Date.now();
    if (now - this.#accessTokenAt > ACCESS_TOKEN_REFRESH_MS) {
      this.#accessToken = await this.#api.appAuth(this.#o.appId, this.#o.appKey);
      this.#accessTokenAt = now;
    }
    if (now - this.#confTokenAt > CONF_TOKEN_REFRESH_MS) {
      try {
        await this.#api.controlToken(this.#meetingId, { token: this.#confToken });
      } catch (error) {
        throw this.#classify(error);
      }
      this.#confTokenAt = now;
    }
    if (this.#socket?.closed) {
      try {
        await this.#openSocket();
      } catch (error) {
        throw this.#classify(error);
      }
    }
  }

  get #meetingId(): string {
    return this.#meeting!.conferenceID;
  }

  /** Makes every site already present leave (a meeting left over from an earlier, interrupted run). */
  async #clearMeeting(): Promise<void> {
    const socket = this.#socket!;
    const pids = [...socket.participants.items.keys(), ...socket.waiting.items.keys()];
    for (const pid of pids) {
      try {
        await this.#media('POST', `participants/${encodeURIComponent(pid)}/leave`, {
          reason: LEAVE_REASONS.HUNG_UP_BY_PORTAL,
        });
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
        const skipped = await this.#execute(step);
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
    if (error instanceof ApiCallError && MEETING_GONE_CODES.has(error.errorCode)) {
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

  #media(method: string, path: string, body?: unknown): Promise<unknown> {
    return this.#api.media(method, this.#meetingId, this.#accessToken, path, body);
  }

  #control(method: string, path: string, body?: unknown): Promise<unknown> {
    return this.#api.control(method, this.#meetingId, this.#confToken, path, body);
  }

  /** The pid of a site: one the runner put in, or an invited one found by its number. */
  #pidOf(site: number): string | undefined {
    const pid = this.#pids.get(site);
    if (pid !== undefined) return pid;
    const phone = this.#phones.get(site);
    return phone !== undefined ? this.#socket?.pidOfNumber(phone) : undefined;
  }

  /** Executes one step; resolves with a reason when it was skipped, throws when the node refused it. */
  async #execute(step: Step): Promise<string | undefined> {
    const pidOf = (n: number): string => {
      const pid = this.#pidOf(n);
      if (pid === undefined) throw new SkipStep(`site ${n} is not in the meeting`);
      return pid;
    };
    const site = (n: number): string => encodeURIComponent(pidOf(n));
    try {
      switch (step.kind) {
        case 'join': {
          const answer = readJoinAnswer(
            await this.#media('POST', 'participants', {
              name: step.name,
              tel: step.tel,
              role: step.role,
              loginType: step.loginType,
              video: step.video,
              camera: step.camera,
              viaWaitingRoom: step.viaWaitingRoom,
              ...(step.role === 1 ? { hostPassword: this.#meeting!.hostPassword } : {}),
            }),
          );
          this.#pids.set(step.site, answer.pid);
          return undefined;
        }
        case 'captions': {
          const reply = await this.#socket!.confControl('REALTIMESUBTITLE', {
            conferenceID: this.#meetingId,
            confToken: this.#confToken,
            isSubtitle: 1,
            subtitleType: 0,
          });
          this.#captionsOn = reply.returnCode === 0;
          if (!this.#captionsOn) throw new Error(`captions refused: ${reply.returnCode} ${reply.returnDesc}`);
          return undefined;
        }
        case 'admit':
          await this.#control('PUT', 'allowWaitingParticipant', {
            participantID: pidOf(step.site),
          });
          return undefined;
        case 'invite':
          this.#phones.set(step.site, step.phone);
          await this.#control('POST', 'participants', {
            attendees: [{ name: step.name, phone: step.phone, type: 'normal' }],
          });
          return undefined;
        case 'leave': {
          await this.#media('POST', `participants/${site(step.site)}/leave`, { reason: step.reason });
          this.#pids.delete(step.site);
          return undefined;
        }
        case 'removeAttendees':
          await this.#control('POST', 'attendees/delete', {
            bulkDelAttendInfo: step.phones.map((number) => ({ number })),
          });
          for (const [n, phone] of this.#phones) if (step.phones.includes(phone)) this.#phones.delete(n);
          return undefined;
        case 'volumes':
          await this.#media('POST', 'volumes', {
            samples: step.samples.map((s) => ({ pid: pidOf(s.site), volume: s.volume })),
          });
          return undefined;
        case 'netQuality':
          await this.#media('POST', 'net-quality', {
            reports: step.reports.map(({ site: n, ...report }) => ({
              pid: pidOf(n),
              ...report,
            })),
          });
          return undefined;
        case 'caption':
          if (!this.#captionsOn) return 'captions are off';
          await this.#media('POST', 'captions', {
            pid: pidOf(step.site),
            text: step.text,
            lang: step.lang,
            isFinal: step.isFinal,
            beginTime: step.beginTime,
            endTime: step.endTime,
          });
          return undefined;
        case 'mute':
          await this.#media('PUT', `participants/${site(step.site)}/mute`, { mute: step.mute });
          return undefined;
        case 'hand':
          await this.#media('PUT', `participants/${site(step.site)}/hand`, { raised: step.raised });
          return undefined;
        case 'share':
          await this.#media('PUT', `participants/${site(step.site)}/share`, { sharing: step.sharing });
          return undefined;
        case 'camera':
          await this.#media('PUT', `participants/${site(step.site)}/camera`, { on: step.on });
          return undefined;
      }
    } catch (error) {
      if (error instanceof SkipStep) return error.message;
      throw error;
    }
  }

  /**
   * Every site the runner put in, or invited, that is still there leaves, and the numbers it invited leave the
   * attendee list (best effort: after an abort or failed steps, the meeting is left as the runner found it).
   */
  async #leaveAll(): Promise<void> {
    if (!this.#meeting) return;
    const leaving = new Set(this.#pids.values());
    for (const phone of this.#phones.values()) {
      const pid = this.#socket?.pidOfNumber(phone);
      if (pid !== undefined) leaving.add(pid);
    }
    this.#pids.clear();
    for (const pid of leaving) {
      try {
        await this.#media('POST', `participants/${encodeURIComponent(pid)}/leave`, {
          reason: LEAVE_REASONS.LEFT_BY_ITSELF,
        });
      } catch {
        // Already gone, or the meeting ended.
      }
    }
    for (const phone of this.#phones.values()) {
      try {
        await this.#control('POST', 'attendees/delete', { bulkDelAttendInfo: [{ number: phone }] });
      } catch {
        // Not an attendee any more, or the meeting ended.
      }
    }
    this.#phones.clear();
  }
}

class SkipStep extends Error {}
