/**
 * The in-process media plane: what a real SFU/MCU would do between confpush and its media, simulated.
 *
 * - Speaker coalescing. Volume samples arrive at any rate; the latest volume per site is kept and at most once
 *   per `speakerIntervalMs` one `speakers` command carries the current volumes to the engine (which pushes only
 *   when the ordered top three change). A site with no sample for two intervals has decayed to silence. A
 *   meeting without samples has no timer.
 * - Simulated callees. A participant that appears being called (STATE "1") answers after `calleeAnswerDelayMs`:
 *   numbers matching `calleeFailPattern` fail with `calleeFailCode`, every other number answers (result 0).
 *   No randomness; -1 disables it (a real media plane answers through the API).
 *
 * It observes committed changes (to see invitations, departures and the end of meetings) and feeds commands back
 * through its source port (media/source.ts), like any other source.
 */
import type { Item, VolumeSample } from '@confpush/protocol';
import type { Logger } from 'pino';
import type { MediaCommand } from '../domain/commands.js';
import type { MeetingRecord, MeetingState } from '../domain/meeting.js';
import type { CommittedChange } from '../engine/engine.js';
import type { MeetingRuntime } from '../engine/runtime.js';
import { DomainError } from '../domain/errors.js';
import type { CommitObserver } from '../sources/source.js';
import { systemTimers, type MediaTimers, type TimerHandle } from './timers.js';

/** What the media plane needs of its source port. */
export interface MediaPort {
  execute(confId: string, command: MediaCommand): Promise<MeetingState>;
  /** The meeting's committed state. */
  read(confId: string): Promise<MeetingState | undefined>;
}

export interface MediaPlaneOptions {
  port: MediaPort;
  logger: Logger;
  timers?: MediaTimers;
  /** Shortest time between two `speakers` commands of one meeting, ms. */
  speakerIntervalMs: number;
  /** How long a simulated callee takes to answer, ms; 0 = the next tick; -1 = never (answers come from the API). */
  calleeAnswerDelayMs: number;
  /** Numbers matching this regular expression fail their call. */
  calleeFailPattern: string;
  /** The result code of a failing call. */
  calleeFailCode: number;
  /** Participants another media plane answers (the Janus bridge's): never simulated callees. */
  answeredElsewhere?: ((pid: string) => boolean) | undefined;
}

interface SpeakerFeed {
  /** Latest volume per pid and when it was sampled. */
  readonly samples: Map<string, { volume: number; at: number }>;
  timer: TimerHandle | undefined;
}

/** Missing this many intervals of samples decays a site to silence. */
const DECAY_INTERVALS = 2;

export class MediaPlane implements CommitObserver {
  readonly #port: MediaPort;
  readonly #log: Logger;
  readonly #timers: MediaTimers;
  readonly #interval: number;
  readonly #answerDelay: number;
  readonly #failPattern: RegExp;
  readonly #failCode: number;
  readonly #answeredElsewhere: (pid: string) => boolean;
  readonly #feeds = new Map<string, SpeakerFeed>();
  /** Scheduled answers: meeting → pid → timer. */
  readonly #callees = new Map<string, Map<string, TimerHandle>>();
  readonly #inflight = new Set<Promise<void>>();
  #closed = false;

  constructor(options: MediaPlaneOptions) {
    this.#port = options.port;
    this.#log = options.logger.child({ component: 'media' });
    this.#timers = options.timers ?? systemTimers;
    this.#interval = options.speakerIntervalMs;
    this.#answerDelay = options.calleeAnswerDelayMs;
    this.#failPattern = new RegExp(options.calleeFailPattern);
    this.#failCode = options.calleeFailCode;
    this.#answeredElsewhere = options.answeredElsewhere ?? (() => false);
  }

  /** Meetings with a live speaker feed (and so a timer). */
  get activeFeeds(): number {
    return this.#feeds.size;
  }

  /** Calls waiting for their simulated answer. */
  get pendingCallees(): number {
    let n = 0;
    for (const m of this.#callees.values()) n += m.size;
    return n;
  }

  /** The result code a simulated callee with this number answers with. */
  resultCodeFor(number: string): number {
    return this.#failPattern.test(number) ? this.#failCode : 0;
  }

  // --- speakers ---------------------------------------------------------------------------------------------------

  /** Accepts volume samples of a meeting; they reach the engine with the next coalesced `speakers` command. */
  volumes(confId: string, samples: readonly VolumeSample[]): void {
    if (this.#closed || samples.length === 0) return;
    let feed = this.#feeds.get(confId);
    if (!feed) this.#feeds.set(confId, (feed = { samples: new Map(), timer: undefined }));
    const now = this.#timers.now();
    for (const s of samples) feed.samples.set(s.pid, { volume: s.volume, at: now });
    this.#scheduleFlush(confId, feed);
  }

  #scheduleFlush(confId: string, feed: SpeakerFeed): void {
    if (feed.timer !== undefined) return;
    feed.timer = this.#timers.setTimeout(() => this.#flush(confId), this.#interval);
  }

  #flush(confId: string): void {
    const feed = this.#feeds.get(confId);
    if (!feed) return;
    feed.timer = undefined;
    const now = this.#timers.now();
    const volumes: VolumeSample[] = [];
    for (const [pid, s] of feed.samples) {
      if (s.volume <= 0 || now - s.at >= DECAY_INTERVALS * this.#interval) feed.samples.delete(pid);
      else volumes.push({ pid, volume: s.volume });
    }
    // The last command of a feed carries no volumes: everyone has gone quiet.
    if (feed.samples.size > 0) this.#scheduleFlush(confId, feed);
    else this.#feeds.delete(confId);
    this.#track(confId, { type: 'speakers', volumes });
  }

  // --- callees ----------------------------------------------------------------------------------------------------

  onCommitted(
    runtime: MeetingRuntime,
    changes: readonly CommittedChange[],
    record: MeetingRecord | undefined,
  ): void {
    if (this.#closed) return;
    const confId = runtime.confId;
    if (record && record.state !== 'Created') {
      this.#forget(confId);
      return;
    }
    for (const change of changes) {
      if (change.category !== 'ParticipantsNotify' || !Array.isArray(change.payload)) continue;
      for (const item of change.payload as Item[]) {
        const pid = typeof item['pid'] === 'string' ? item['pid'] : undefined;
        if (pid === undefined) continue;
        if (item['mode'] === 1) {
          this.#cancelCallee(confId, pid);
          this.#feeds.get(confId)?.samples.delete(pid);
          continue;
        }
        const state = (item['pinfoMap'] as Record<string, unknown> | undefined)?.['STATE'];
        if (state === '1') this.#scheduleAnswer(confId, pid);
        else if (state === '0') this.#cancelCallee(confId, pid);
      }
    }
  }

  #scheduleAnswer(confId: string, pid: string): void {
    if (this.#answerDelay < 0 || this.#answeredElsewhere(pid)) return;
    let calls = this.#callees.get(confId);
    if (!calls) this.#callees.set(confId, (calls = new Map()));
    if (calls.has(pid)) return;
    calls.set(
      pid,
      this.#timers.setTimeout(() => {
        this.#cancelCallee(confId, pid);
        this.#inflightAdd(this.#answer(confId, pid));
      }, this.#answerDelay),
    );
  }

  async #answer(confId: string, pid: string): Promise<void> {
    const state = await this.#port.read(confId);
    const item = state?.streams.ParticipantsNotify.items.get(pid);
    const info = (item?.['pinfoMap'] ?? {}) as Record<string, string>;
    // Gone, or answered through the API meanwhile: nothing to do.
    if (this.#closed || info['STATE'] !== '1') return;
    const resultCode = this.resultCodeFor(info['TEL'] ?? '');
    await this.#execute(confId, { type: 'callResult', pid, resultCode });
  }

  #cancelCallee(confId: string, pid: string): void {
    const calls = this.#callees.get(confId);
    const timer = calls?.get(pid);
    if (!calls || timer === undefined) return;
    this.#timers.clearTimeout(timer);
    calls.delete(pid);
    if (calls.size === 0) this.#callees.delete(confId);
  }

  // --- common -----------------------------------------------------------------------------------------------------

  /** Drops every timer of a meeting (it ended). */
  #forget(confId: string): void {
    const feed = this.#feeds.get(confId);
    if (feed?.timer !== undefined) this.#timers.clearTimeout(feed.timer);
    this.#feeds.delete(confId);
    for (const timer of this.#callees.get(confId)?.values() ?? []) this.#timers.clearTimeout(timer);
    this.#callees.delete(confId);
  }

  #track(confId: string, command: MediaCommand): void {
    this.#inflightAdd(this.#execute(confId, command));
  }

  #inflightAdd(work: Promise<void>): void {
    const p: Promise<void> = work
      .catch((err: unknown) => this.#log.error({ err }, 'media plane task failed'))
      .finally(() => this.#inflight.delete(p));
    this.#inflight.add(p);
  }

  async #execute(confId: string, command: MediaCommand): Promise<void> {
    try {
      await this.#port.execute(confId, command);
    } catch (error) {
      if (error instanceof DomainError) {
        // A race with the meeting (it ended, the site left): the report is moot.
        if (error.code === 'CONF_NOT_STARTED' || error.code === 'CONF_NOT_EXIST') {
          this.#forget(confId);
        }
        this.#log.debug({ confId, command: command.type, err: error.message }, 'media report refused');
      } else {
        this.#log.error({ confId, command: command.type, err: error }, 'media report failed');
      }
    }
  }

  /** Waits for the commands already handed to the engine (and those they lead to). */
  async settled(): Promise<void> {
    while (this.#inflight.size > 0) await Promise.allSettled([...this.#inflight]);
  }

  /** Cancels every timer and waits for the commands already handed to the engine. */
  async close(): Promise<void> {
    this.#closed = true;
    for (const confId of [...this.#feeds.keys(), ...this.#callees.keys()]) this.#forget(confId);
    await this.settled();
  }
}
