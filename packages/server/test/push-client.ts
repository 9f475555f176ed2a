/**
 * A raw WebSocket client for tests: records every frame it receives, in order, and lets a test wait for the
 * frames it expects. Deliberately not the SDK, so that the wire protocol itself is what is tested.
 */
import { WebSocket } from 'ws';

export type Frame = Record<string, unknown> & { action?: string; data?: unknown };

export class PushClient {
  readonly frames: Frame[] = [];
  /** Every frame's text exactly as received, in the order of `frames`. */
  readonly texts: string[] = [];
  readonly ws: WebSocket;
  #cursor = 0;
  #waiters: (() => void)[] = [];
  closeInfo: { code: number; reason: string } | undefined;
  readonly #closed: Promise<{ code: number; reason: string }>;

  private constructor(ws: WebSocket) {
    this.ws = ws;
    ws.on('message', (data: Buffer) => {
      const text = data.toString('utf8');
      this.texts.push(text);
      this.frames.push(JSON.parse(text) as Frame);
      this.#wake();
    });
    this.#closed = new Promise((resolve) => {
      ws.on('close', (code: number, reason: Buffer) => {
        this.closeInfo = { code, reason: reason.toString('utf8') };
        resolve(this.closeInfo);
        this.#wake();
      });
    });
  }

  static async connect(url: string): Promise<PushClient> {
    const ws = new WebSocket(url);
    const client = new PushClient(ws);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
      ws.once('close', () => resolve());
    });
    return client;
  }

  #wake(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const w of waiters) w();
  }

  send(frame: unknown): void {
    this.ws.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
  }

  /** Sends a frame; resolves once it is written to the kernel (or the socket failed): paces a sending loop. */
  sendFlushed(frame: unknown): Promise<void> {
    return new Promise((resolve) => {
      this.ws.send(typeof frame === 'string' ? frame : JSON.stringify(frame), () => resolve());
    });
  }

  subscribe(
    confToken: string,
    subscribeType: string[],
    sequence = '000000000000000001702459164879',
    extra = {},
  ): void {
    this.send({
      sequence,
      action: 'Subscribe',
      data: JSON.stringify({
        subscribeType,
        confToken: `Basic ${Buffer.from(confToken).toString('base64')}`,
        ...extra,
      }),
    });
  }

  /** The next frame (after those already taken) that matches; frames before it are consumed too. */
  async next(match: (f: Frame) => boolean = () => true, timeoutMs = 5000): Promise<Frame> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      while (this.#cursor < this.frames.length) {
        const frame = this.frames[this.#cursor++]!;
        if (match(frame)) return frame;
      }
      if (this.closeInfo)
        throw new Error(`socket closed (${this.closeInfo.code} ${this.closeInfo.reason}) while waiting`);
      const left = deadline - Date.now();
      if (left <= 0)
        throw new Error(`no matching frame within ${timeoutMs} ms; got ${JSON.stringify(this.frames)}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.#waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  nextAction(action: string, timeoutMs?: number): Promise<Frame> {
    return this.next((f) => f.action === action, timeoutMs);
  }

  closed(timeoutMs = 5000): Promise<{ code: number; reason: string }> {
    return Promise.race([
      this.#closed,
      new Promise<never>((_, reject) =>
        setTimeout(() => reject(new Error('socket did not close')), timeoutMs),
      ),
    ]);
  }

  close(): void {
    this.ws.close();
  }
}
