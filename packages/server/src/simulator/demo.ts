/**
 * The demo meeting of `serve --demo` (`npm start`): a meeting "confpush demo" that a looping scenario keeps busy,
 * so a new user sees live traffic the moment they connect. The node runs it against itself over HTTP, like any
 * media plane would. The meeting is remembered in the data directory and reused after a restart while it is still
 * in progress (sites left over from an interrupted run are cleared first).
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { runScenario, type MeetingInfo, type ScenarioEvent } from './scenario.js';

export interface DemoOptions {
  baseUrl: string;
  appId: string;
  appKey: string;
  dataDir: string;
  logger: Logger;
  /** Sent with every REST call of the demo (the node logs them at debug). */
  requestHeaders?: Record<string, string>;
  participants?: number;
  passMs?: number;
  seed?: number;
  rate?: number;
}

export interface DemoMeeting {
  conferenceID: string;
  hostPassword: string;
  guestPassword: string | undefined;
}

export const DEMO_SUBJECT = 'confpush demo';
const STATE_FILE = 'demo-meeting.json';
const RETRY_MS = 5000;

function readState(file: string): DemoMeeting | undefined {
  if (!existsSync(file)) return undefined;
  try {
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as Partial<DemoMeeting>;
    if (typeof parsed.conferenceID !== 'string' || typeof parsed.hostPassword !== 'string') return undefined;
    return {
      conferenceID: parsed.conferenceID,
      hostPassword: parsed.hostPassword,
      guestPassword: typeof parsed.guestPassword === 'string' ? parsed.guestPassword : undefined,
    };
  } catch {
    return undefined;
  }
}

export class Demo {
  readonly #o: DemoOptions;
  readonly #log: Logger;
  readonly #file: string;
  readonly #abort = new AbortController();
  #meeting: DemoMeeting | undefined;
  #running: Promise<void> | undefined;

  private constructor(options: DemoOptions) {
    this.#o = options;
    this.#log = options.logger.child({ component: 'demo' });
    this.#file = join(options.dataDir, STATE_FILE);
  }

  /** Starts the demo; resolves once its meeting is live (rejects when it cannot get there). */
  static async start(options: DemoOptions): Promise<Demo> {
    const demo = new Demo(options);
    await new Promise<void>((resolve, reject) => {
      demo.#running = demo.#loop(resolve, reject);
    });
    return demo;
  }

  /** The demo meeting (it may change when someone ends it: a new one is created). */
  get meeting(): DemoMeeting {
    return this.#meeting!;
  }

  async #loop(ready: () => void, failed: (error: unknown) => void): Promise<void> {
    let first = true;
    while (!this.#abort.signal.aborted) {
      const saved = this.#meeting ?? readState(this.#file);
      try {
        await runScenario({
          baseUrl: this.#o.baseUrl,
          appId: this.#o.appId,
          appKey: this.#o.appKey,
          participants: this.#o.participants ?? 8,
          durationMs: this.#o.passMs ?? 60_000,
          rate: this.#o.rate ?? 4,
          seed: this.#o.seed ?? 1,
          subject: DEMO_SUBJECT,
          meetingMinutes: 1440,
          passes: Infinity,
          signal: this.#abort.signal,
          clearMeeting: true,
          ...(this.#o.requestHeaders ? { requestHeaders: this.#o.requestHeaders } : {}),
          replaceEndedMeeting: true,
          ...(saved ? { conferenceID: saved.conferenceID, hostPassword: saved.hostPassword } : {}),
          onProgress: (event) => {
            if (event.kind === 'ready') {
              this.#ready(event, saved);
              if (first) {
                first = false;
                ready();
              }
            } else {
              this.#progress(event);
            }
          },
        });
      } catch (error) {
        if (first) {
          failed(error);
          return;
        }
        this.#log.error({ err: error }, `demo scenario failed; restarting in ${RETRY_MS / 1000} s`);
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, RETRY_MS);
          this.#abort.signal.addEventListener(
            'abort',
            () => {
              clearTimeout(timer);
              resolve();
            },
            { once: true },
          );
        });
      }
    }
  }

  #ready(event: MeetingInfo, saved: DemoMeeting | undefined): void {
    const guestPassword =
      event.guestPassword ?? (saved?.conferenceID === event.conferenceID ? saved.guestPassword : undefined);
    this.#meeting = { conferenceID: event.conferenceID, hostPassword: event.hostPassword, guestPassword };
    try {
      writeFileSync(this.#file, JSON.stringify(this.#meeting), { mode: 0o600 });
    } catch (error) {
      this.#log.warn({ err: error }, 'could not remember the demo meeting');
    }
    this.#log.info(
      {
        conferenceID: event.conferenceID,
        hostPassword: event.hostPassword,
        guestPassword,
        created: event.created,
      },
      `demo meeting "${DEMO_SUBJECT}" is live`,
    );
  }

  #progress(event: Exclude<ScenarioEvent, { kind: 'ready' }>): void {
    switch (event.kind) {
      case 'pass':
        this.#log.debug({ pass: event.pass, seed: event.seed, steps: event.steps }, 'demo pass starts');
        break;
      case 'step':
        if (event.outcome === 'failed') {
          this.#log.warn({ step: event.step.kind, detail: event.detail }, 'demo step refused');
        }
        break;
      case 'passEnd':
        this.#log.info(
          { pass: event.pass, ok: event.ok, skipped: event.skipped, failed: event.failed },
          'demo pass done',
        );
        break;
    }
  }

  /** Stops the scenario; its sites leave the meeting (which stays in progress for the next start). */
  async stop(): Promise<void> {
    this.#abort.abort();
    await this.#running;
  }
}
