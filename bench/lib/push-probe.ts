/**
 * Socket-push latency probe: one subscriber of one meeting (a real WebSocket on loopback, in the bench's process)
 * and a loop that toggles a participant's mute through `engine.execute` and times each change until its
 * ParticipantsNotify frame arrives. One change in flight at a time, a short pause between them; every sample is
 * kept with the time it was taken so that a run can be cut into phases afterwards.
 */
import WebSocket from 'ws';
import type { ConfpushNode } from '../../packages/server/src/node.js';
import { confToken, pushUrl, subscribeFrame, wsToken } from './chain.js';
import { quantile, sorted } from './stats.js';

export interface Sample {
  at: number;
  ms: number;
}

export interface LatencySummary {
  samples: number;
  p50: number;
  p99: number;
  max: number;
}

export function summarize(samples: readonly Sample[]): LatencySummary {
  const asc = sorted(samples.map((s) => s.ms));
  const round = (n: number) => Math.round(n * 100) / 100;
  return {
    samples: asc.length,
    p50: round(quantile(asc, 0.5)),
    p99: round(quantile(asc, 0.99)),
    max: round(asc[asc.length - 1] ?? NaN),
  };
}

export class PushProbe {
  readonly samples: Sample[] = [];
  #waiting: (() => void) | undefined;
  #running = false;
  #loop: Promise<void> | undefined;

  private constructor(
    readonly node: ConfpushNode,
    readonly confId: string,
    readonly ws: WebSocket,
  ) {}

  /** Joins a participant `probe` to the meeting and subscribes to its ParticipantsNotify. */
  static async start(node: ConfpushNode, confId: string, chairPwd: string): Promise<PushProbe> {
    await node.engine.execute(confId, { type: 'join', site: { pid: 'probe', name: 'probe', role: 0 } });
    const token = await confToken(node.url, confId, chairPwd);
    const ws = new WebSocket(pushUrl(token.wsURL, confId, await wsToken(node.url, confId, token.token)), {
      perMessageDeflate: false,
    });
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    const probe = new PushProbe(node, confId, ws);
    let full!: () => void;
    const subscribed = new Promise<void>((resolve) => (full = resolve));
    ws.on('message', (data: Buffer) => {
      const frame = JSON.parse(data.toString('utf8')) as { action?: string; msgMode?: number };
      if (frame.action !== 'ParticipantsNotify') return;
      if (frame.msgMode === 0) full();
      else probe.#waiting?.();
    });
    ws.send(subscribeFrame(token.token, ['ParticipantsNotify']));
    await subscribed;
    return probe;
  }

  /** Starts probing (one change in flight, `gapMs` between changes) until `stop`. */
  run(gapMs = 5): void {
    this.#running = true;
    this.#loop = (async () => {
      let mute = false;
      while (this.#running) {
        mute = !mute;
        const arrived = new Promise<void>((resolve) => (this.#waiting = resolve));
        const t0 = performance.now();
        await this.node.engine.execute(this.confId, { type: 'selfMute', pid: 'probe', mute });
        await arrived;
        this.samples.push({ at: t0, ms: performance.now() - t0 });
        await new Promise((r) => setTimeout(r, gapMs));
      }
    })();
  }

  async stop(): Promise<void> {
    this.#running = false;
    await this.#loop;
    this.ws.close();
  }

  /** The samples taken between `from` and `to` (performance.now() times). */
  between(from: number, to: number): Sample[] {
    return this.samples.filter((s) => s.at >= from && s.at < to);
  }
}
