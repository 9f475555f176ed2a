/**
 * The scenario runner's own push socket: subscribed to the participants and the waiting room (so the runner can
 * find invited sites by number, and clear a meeting), used to send `ConfControl` frames, kept alive with
 * `HeartBeat` frames. Built from the published protocol only.
 */
import { CategoryReplica, type PushCategory } from '@confpush/protocol';
import { WebSocket } from 'ws';

const HEARTBEAT_INTERVAL_MS = 60_000;
const REPLY_TIMEOUT_MS = 10_000;
const CATEGORIES = ['ParticipantsNotify', 'WaitingListNotify'] as const satisfies readonly PushCategory[];

export interface ControlReply {
  returnCode: number;
  returnDesc: string;
}

interface Waiter {
  resolve: (reply: ControlReply) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

export class RunnerSocket {
  readonly participants = new CategoryReplica('ParticipantsNotify');
  readonly waiting = new CategoryReplica('WaitingListNotify');
  readonly #ws: WebSocket;
  readonly #waiters = new Map<string, Waiter>();
  readonly #heartbeat: NodeJS.Timeout;
  #sequence = 0;
  #closed: { code: number; reason: string } | undefined;

  private constructor(ws: WebSocket) {
    this.#ws = ws;
    ws.on('message', (data: Buffer) => this.#receive(data.toString('utf8')));
    ws.on('close', (code: number, reason: Buffer) => {
      this.#closed = { code, reason: reason.toString('utf8') };
      for (const [, w] of this.#waiters) {
        clearTimeout(w.timer);
        w.reject(new Error(`push socket closed (${code} ${this.#closed.reason})`));
      }
      this.#waiters.clear();
      clearInterval(this.#heartbeat);
    });
    ws.on('error', () => {
      // 'close' follows and settles everything.
    });
    this.#heartbeat = setInterval(() => {
      this.#send({ sequence: this.#nextSequence(), action: 'HeartBeat' });
    }, HEARTBEAT_INTERVAL_MS).unref();
  }

  /** Connects, subscribes and waits for the full messages of both categories. */
  static async open(
    url: string,
    confToken: string,
    Ctor: new (url: string) => WebSocket = WebSocket,
  ): Promise<RunnerSocket> {
    const ws = new Ctor(url);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
      ws.once('close', (code: number) => reject(new Error(`push socket closed on connect (${code})`)));
    });
    const socket = new RunnerSocket(ws);
    try {
      const reply = await socket.request({
        action: 'Subscribe',
        data: JSON.stringify({ subscribeType: CATEGORIES, confToken }),
      });
      if (reply.returnCode !== 0)
        throw new Error(`Subscribe refused: ${reply.returnCode} ${reply.returnDesc}`);
      const deadline = Date.now() + REPLY_TIMEOUT_MS;
      while (!socket.participants.synced || !socket.waiting.synced) {
        if (socket.#closed || Date.now() > deadline) throw new Error('no full message after Subscribe');
        await new Promise((r) => setTimeout(r, 5));
      }
    } catch (error) {
      socket.close();
      throw error;
    }
    return socket;
  }

  get closed(): boolean {
    return this.#closed !== undefined;
  }

  /** Sends a frame with a fresh `sequence` and resolves with the reply's `returnCode`/`returnDesc`. */
  request(frame: Record<string, unknown>): Promise<ControlReply> {
    if (this.#closed) return Promise.reject(new Error('push socket is closed'));
    const sequence = this.#nextSequence();
    return new Promise<ControlReply>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiters.delete(sequence);
        reject(new Error(`no reply to ${String(frame['action'])} within ${REPLY_TIMEOUT_MS} ms`));
      }, REPLY_TIMEOUT_MS);
      this.#waiters.set(sequence, { resolve, reject, timer });
      this.#send({ sequence, ...frame });
    });
  }

  /** `ConfControl` frame; `data` is sent JSON-encoded, as Huawei documents. */
  confControl(type: string, data: Record<string, unknown>): Promise<ControlReply> {
    return this.request({ action: 'ConfControl', type, data: JSON.stringify(data) });
  }

  /** The pid of the online participant (in the meeting or being called) with this number. */
  pidOfNumber(tel: string): string | undefined {
    for (const [pid, item] of this.participants.items) {
      const info = item['pinfoMap'];
      if (isRecord(info) && info['TEL'] === tel) return pid;
    }
    return undefined;
  }

  close(): void {
    clearInterval(this.#heartbeat);
    if (!this.#closed) this.#ws.close(1000);
  }

  #nextSequence(): string {
    this.#sequence++;
    return String(this.#sequence).padStart(30, '0');
  }

  #send(frame: Record<string, unknown>): void {
    if (this.#ws.readyState === WebSocket.OPEN) this.#ws.send(JSON.stringify(frame));
  }

  #receive(raw: string): void {
    let frame: unknown;
    try {
      frame = JSON.parse(raw) as unknown;
    } catch {
      return;
    }
    if (!isRecord(frame)) return;
    const action = frame['action'];
    if (action === 'ParticipantsNotify') this.participants.applyFrame(frame);
    else if (action === 'WaitingListNotify') this.waiting.applyFrame(frame);
    const sequence = frame['sequence'];
    if (typeof sequence !== 'string') return;
    const waiter = this.#waiters.get(sequence);
    if (!waiter || action === 'HeartBeat') return;
    this.#waiters.delete(sequence);
    clearTimeout(waiter.timer);
    const data = isRecord(frame['data']) ? frame['data'] : {};
    waiter.resolve({
      returnCode: typeof data['returnCode'] === 'number' ? data['returnCode'] : -1,
      returnDesc: typeof data['returnDesc'] === 'string' ? data['returnDesc'] : '',
    });
  }
}
